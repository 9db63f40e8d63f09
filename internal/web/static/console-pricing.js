// Prices and offers (issue 24 item 3): the price rules in force, a form that saves one
// (refused with the factor named when unfair), and the fairness audit over issued quotes.
"use strict";
(function () {
  const { t, api, el } = window.steward;
  window.steward.screens = window.steward.screens || {};
  window.steward.screens.pricing = async (root, token, me) => {
    const canWrite = me.scopes.includes("activations:write");
    root.append(el("h2", { text: t("console.pricing.heading") }), el("p", { class: "help", text: t("console.pricing.intro") }));
    const lang = document.body.dataset.lang;
    const rulesList = el("ul", { id: "price-rules", class: "rows" });
    const loadRules = async () => {
      const d = await api("GET", "/api/v1/price-rules", token);
      rulesList.replaceChildren();
      if (!d.rules.length) rulesList.append(el("li", { text: t("console.pricing.norules") }));
      for (const r of d.rules) {
        const when = (r.when || []).map((c) => c.factor + " " + c.op + " " + (c.number ?? c.value ?? (c.values || []).join(","))).join(" and ");
        rulesList.append(el("li", { "data-rule": r.name }, el("div", {}, el("strong", { text: r.name + " " + (r.percent > 0 ? "+" : "") + r.percent + "%" }),
          el("p", { text: (r.description || {})[lang] || "" }), el("p", { class: "meta", text: when || t("console.pricing.everyone") }))));
      }
    };
    await loadRules();
    root.append(el("h3", { text: t("console.pricing.rules") }), rulesList);
    if (canWrite) {
      const text = el("textarea", { id: "rule-json", rows: "8", spellcheck: "false" });
      text.value = JSON.stringify({ name: "loyal-1y", description: { en: "5% off for customers of more than a year", "zh-CN": "一年以上老顾客九五折" },
        percent: -5, when: [{ factor: "customer.tenure_days", op: ">=", number: 365 }] }, null, 2);
      const out = el("p", { id: "rule-out", role: "status" });
      const form = el("form", { id: "rule-form" }, el("label", { for: "rule-json", text: t("console.pricing.rulejson") }), text,
        el("p", {}, el("button", { type: "submit", id: "rule-save", text: t("console.pricing.save") })), out);
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        let body;
        try { body = JSON.parse(text.value); } catch (e) { out.replaceChildren(el("span", { class: "error", role: "alert", text: e.message })); return; }
        try {
          await api("POST", "/api/v1/price-rules", token, body);
          out.replaceChildren(el("span", { text: t("console.pricing.saved") + " " + body.name }));
          await loadRules();
        } catch (e) { out.replaceChildren(el("span", { class: "error", role: "alert", id: "rule-refused", text: e.message })); }
      });
      root.append(el("h3", { text: t("console.pricing.newrule") }), form);
    }
    const findings = el("div", { id: "audit-out", "aria-live": "polite" });
    const hours = el("select", { id: "audit-hours" });
    for (const h of [24, 168, 720]) hours.append(el("option", { value: String(h), text: t("console.pricing.last") + " " + h + " h" }));
    const run = async () => {
      const to = new Date(), from = new Date(to.getTime() - Number(hours.value) * 3600e3);
      const rep = await api("GET", "/api/v1/pricing/audit?from=" + encodeURIComponent(from.toISOString().slice(0, 19) + "Z") + "&to=" + encodeURIComponent(new Date(to.getTime() + 1000).toISOString().slice(0, 19) + "Z"), token);
      const summary = el("p", { id: "audit-summary", text: rep.quotes + " " + t("console.pricing.quotes") + " · " + rep.groups + " " + t("console.pricing.groups") + " · " + rep.findings.length + " " + t("console.pricing.findings") });
      if (!rep.findings.length) { findings.replaceChildren(summary, el("p", { id: "audit-clean", text: t("console.pricing.clean") })); return; }
      const tbody = el("tbody");
      for (const f of rep.findings) {
        tbody.append(el("tr", { class: "finding", "data-dimension": f.dimension }, el("td", { text: f.hour.slice(0, 13).replace("T", " ") + ":00" }),
          el("td", {}, el("code", { text: f.item })), el("td", { text: f.channel || "—" }), el("td", { text: t("console.pricing.dim." + f.dimension) }),
          el("td", { text: f.higher.band + " " + (f.higher.mean_price / 100).toFixed(2) + " (" + f.higher.quotes + ")" }),
          el("td", { text: f.lower.band + " " + (f.lower.mean_price / 100).toFixed(2) + " (" + f.lower.quotes + ")" }),
          el("td", { class: "num bad", text: "+" + (f.gap * 100).toFixed(1) + "%" }), el("td", { text: f.rule })));
      }
      const th = (k) => el("th", { scope: "col", text: t("console.pricing.col." + k) });
      findings.replaceChildren(summary, el("div", { class: "scroll" }, el("table", { id: "audit-table" }, el("thead", {}, el("tr", {}, th("hour"), th("item"),
        th("channel"), th("dimension"), th("higher"), th("lower"), th("gap"), th("rule"))), tbody)));
    };
    const btn = el("button", { type: "button", id: "audit-run", text: t("console.pricing.run") });
    btn.onclick = () => run().catch((e) => findings.replaceChildren(el("p", { class: "error", role: "alert", text: e.message })));
    root.append(el("h3", { text: t("console.pricing.audit") }), el("p", { class: "help", text: t("console.pricing.audithelp") }),
      el("p", {}, hours, " ", btn), findings);
    await run();
  };
})();
