// The algorithm register (issue 24 item 2): every algorithm that acts on people with its
// filing number and review status, reviews due first; privacy officers record assessments
// (at least yearly) and filing numbers.
"use strict";
(function () {
  const { t, api, el } = window.steward;
  window.steward.screens = window.steward.screens || {};
  window.steward.screens.algorithms = async (root, token, me, show) => {
    const canWrite = me.scopes.includes("manifest:write");
    root.append(el("h2", { text: t("console.algorithms.heading") }), el("p", { class: "help", text: t("console.algorithms.intro") }),
      el("p", {}, el("a", { href: "/algorithms", target: "_blank", rel: "noopener", id: "algorithms-public", text: t("console.algorithms.public") })));
    const data = await api("GET", "/api/v1/algorithms", token);
    const due = data.algorithms.filter((a) => a.status !== "current");
    const rem = el("ul", { id: "algorithms-reminders", class: "rows" });
    if (!due.length) rem.append(el("li", { text: t("console.algorithms.nonedue") }));
    for (const a of due) rem.append(el("li", { "data-algorithm": a.id }, el("span", { text: a.name.en + " (" + a.id + ")" }),
      el("span", { class: "status-" + a.status, text: t("console.algorithms.status." + a.status) })));
    root.append(el("h3", { text: t("console.algorithms.reminders") }), rem);
    const tbody = el("tbody");
    for (const a of data.algorithms) {
      tbody.append(el("tr", { "data-algorithm": a.id }, el("td", {}, el("code", { text: a.id })), el("td", { text: a.name[document.body.dataset.lang] || a.name.en }),
        el("td", { text: a.kind }), el("td", { text: a.source }), el("td", { text: a.filing_number || "—" }),
        el("td", { class: "status-" + a.status, text: t("console.algorithms.status." + a.status) }),
        el("td", { text: a.next_due ? a.next_due.slice(0, 10) : "—" })));
    }
    const th = (k) => el("th", { scope: "col", text: t("console.algorithms." + k) });
    root.append(el("div", { class: "scroll" }, el("table", { id: "algorithms-table" }, el("thead", {}, el("tr", {}, th("id"), th("name"), th("kind"),
      th("source"), th("filing"), th("status"), th("nextdue"))), tbody)));
    if (!canWrite) return;
    const pick = el("select", { id: "assess-algorithm" });
    for (const a of data.algorithms) pick.append(el("option", { value: a.id, text: a.id }));
    const outcome = el("select", { id: "assess-outcome" });
    for (const o of ["approved", "changes_required", "rejected"]) outcome.append(el("option", { value: o, text: o }));
    const summary = el("textarea", { id: "assess-summary", rows: "3", required: "" });
    const ref = el("input", { id: "assess-reference", maxlength: "200" });
    const filing = el("input", { id: "assess-filing", maxlength: "128" });
    const out = el("p", { id: "assess-out", role: "status" });
    const form = el("form", { id: "assess-form" },
      el("label", { for: "assess-algorithm", text: t("console.algorithms.name") }), pick,
      el("label", { for: "assess-outcome", text: t("console.algorithms.outcome") }), outcome,
      el("label", { for: "assess-summary", text: t("console.algorithms.summary") }), summary,
      el("label", { for: "assess-reference", text: t("console.algorithms.reference") }), ref,
      el("p", {}, el("button", { type: "submit", id: "assess-save", text: t("console.algorithms.save") })),
      el("label", { for: "assess-filing", text: t("console.algorithms.filing") }), filing,
      el("p", {}, el("button", { type: "button", id: "filing-save", text: t("console.algorithms.setfiling") })), out);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        await api("POST", "/api/v1/algorithms/" + encodeURIComponent(pick.value) + "/assessments", token,
          { outcome: outcome.value, summary: summary.value, reference: ref.value || undefined });
        await show("algorithms", token, me);
        document.getElementById("assess-out").textContent = t("console.algorithms.saved");
      } catch (e) { out.replaceChildren(el("span", { class: "error", role: "alert", text: e.message })); }
    });
    form.querySelector("#filing-save").onclick = async () => {
      try {
        await api("PUT", "/api/v1/algorithms/" + encodeURIComponent(pick.value), token, { id: pick.value, filing_number: filing.value });
        await show("algorithms", token, me);
      } catch (e) { out.replaceChildren(el("span", { class: "error", role: "alert", text: e.message })); }
    };
    root.append(el("h3", { text: t("console.algorithms.assess") }), form);
  };
})();
