// The privacy center's algorithms section (issue 24 items 2 and 4): the algorithms that act
// on the person, from the public register, and a form to ask for an explanation of a
// decision or for a person to review it — both rights requests with deadlines.
"use strict";
(function () {
  const { t, api, el } = window.steward;
  const token = () => sessionStorage.getItem("steward.privacy.token");
  const center = document.getElementById("center");
  if (!center) return;
  const status = el("p", { id: "algorithms-status", role: "status" });
  const list = el("ul", { id: "algorithms-list", class: "rows" });
  const which = el("select", { id: "decision-algorithm" });
  const decision = el("input", { id: "decision-text", maxlength: "500", autocomplete: "off" });
  const ask = (type) => async () => {
    if (!decision.value.trim()) { status.textContent = t("privacy.algorithms.needdecision"); decision.focus(); return; }
    try {
      const r = await api("POST", "/api/v1/me/requests", token(), { type, details: { algorithm: which.value, decision: decision.value.trim() } });
      status.textContent = t("privacy.algorithms.filed") + " " + String(r.deadline).slice(0, 10) + " (" + r.type + ", " + r.id + ")";
      decision.value = "";
    } catch (e) { status.textContent = t("privacy.error.generic") + " " + e.message; }
  };
  const explain = el("button", { type: "button", id: "ask-explanation", text: t("privacy.algorithms.explain") });
  const review = el("button", { type: "button", id: "ask-review", text: t("privacy.algorithms.review") });
  explain.onclick = ask("explanation");
  review.onclick = ask("human_review");
  const section = el("section", { id: "algorithms", "aria-labelledby": "algorithms-h" },
    el("h2", { id: "algorithms-h", text: t("privacy.algorithms.heading") }),
    el("p", { class: "help", text: t("privacy.algorithms.intro") }), list,
    el("p", {}, el("a", { href: "/algorithms?lang=" + document.body.dataset.lang, id: "algorithms-link", text: t("privacy.algorithms.more") })),
    el("label", { for: "decision-algorithm", text: t("privacy.algorithms.which") }), which,
    el("label", { for: "decision-text", text: t("privacy.algorithms.decision") }), decision,
    el("p", {}, explain, " ", review), status);
  center.insertBefore(section, document.getElementById("report") || document.getElementById("signout"));
  fetch("/api/v1/algorithms/public?lang=" + document.body.dataset.lang).then((r) => r.json()).then((d) => {
    for (const a of d.algorithms || []) {
      list.append(el("li", { "data-algorithm": a.id }, el("div", {}, el("strong", { text: a.name }), el("p", { text: a.intent }),
        el("p", { class: "meta", text: a.opt_out })), el("a", { href: "/algorithms?lang=" + document.body.dataset.lang + "#" + a.id,
        "aria-label": t("privacy.algorithms.more") + ": " + a.name, text: "↗" })));
      which.append(el("option", { value: a.id, text: a.name }));
    }
  }).catch(() => { section.hidden = true; });
})();
