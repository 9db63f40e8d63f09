// Where my data went (issue 25 item 4): what was collected, by kind of event (counts
// rounded), for which purposes it was used, which tags and campaigns used it, which
// partners received it, and what was deleted. Every line rests on an entry of the audit log
// whose inclusion proof this page checks (ctx.verify). Strings: i18n/<lang>.flows.json.
"use strict";
(function () {
  const { t, api, el } = window.steward;
  window.steward.sections = window.steward.sections || {};
  window.steward.sections.flows = async (root, section, ctx) => {
    const doc = await api("GET", section.href || "/api/v1/me/flows", ctx.token);
    const cp = doc.checkpoint;
    root.setAttribute("aria-labelledby", "flows-h");
    root.append(el("h2", { id: "flows-h", text: t("privacy.flows.heading") }), el("p", { class: "help", text: t("privacy.flows.intro") }));
    const check = (ev) => {
      const out = el("span", { class: "proof" }, el("span", { text: t("privacy.flows.entry") + " #" + ev.index + " " }));
      const b = el("button", { type: "button", class: "small", "data-verify": String(ev.index), text: t("privacy.flows.check") });
      const res = el("span", { class: "verdict", role: "status" });
      b.onclick = async () => {
        const ok = await ctx.verify(ev, cp);
        res.textContent = ok ? " ✓ " + t("privacy.flows.verified") : " ✗ " + t("privacy.flows.notverified");
        res.className = "verdict " + (ok ? "ok" : "bad");
      };
      out.append(b, res);
      return out;
    };

    // What was collected, as held now.
    const col = el("ul", { class: "rows flow", id: "flows-collected" });
    for (const c of doc.collected) {
      const info = el("div", {}, el("strong", { text: c.text }),
        el("p", { class: "meta", text: t("privacy.flows.kinds") + " " + (c.categories.join(ctx.lang === "zh-CN" ? "、" : ", ") || "—") }),
        el("p", { class: "meta", text: t("privacy.flows.for") + " " + (c.purposes.join(ctx.lang === "zh-CN" ? "、" : ", ") || "—") }));
      const li = el("li", { "data-kind": c.kind }, info);
      li.append(c.basis ? el("div", { class: "basis" }, el("span", { class: "meta", text: t("privacy.flows.basis") + " " }), check(c.basis))
        : el("span", { class: "meta", text: t("privacy.flows.nobasis") }));
      col.append(li);
    }
    if (!doc.collected.length) col.append(el("li", { text: t("privacy.flows.nothing") }));
    root.append(el("h3", { text: t("privacy.flows.collected") }), col);

    for (const sec of doc.sections) {
      const ul = el("ul", { class: "rows flow", id: "flows-" + sec.id });
      for (const l of sec.lines) {
        const li = el("li", { "data-act": l.act, "data-about": l.about || "" }, el("span", { class: "what", text: l.text }));
        li.append(l.evidence ? check(l.evidence) : el("span", { class: "meta", text: t("privacy.flows.notyet") }));
        ul.append(li);
      }
      if (!sec.lines.length) ul.append(el("li", { class: "empty", text: t("privacy.flows.none." + sec.id) }));
      root.append(el("h3", { text: t("privacy.flows.section." + sec.id) }), ul);
    }
    root.append(el("p", { class: "help", text: t("privacy.flows.size") + " " + cp.size }));
  };
})();
