// Anonymised exports (issue 21): pick a purpose that may export, the quasi-identifiers and a
// sensitive attribute among what that purpose may read, the models and the suppression
// limit; preview the risk report (before and after, in both languages), the level each
// column is generalised to and the utility; only then release, which the audit log
// records, and download the file. Changing anything after a preview asks for a new one.
"use strict";
(function () {
  const { t, api, el } = window.steward;
  window.steward.screens = window.steward.screens || {};
  window.steward.screens.anonymise = async (root, token, me) => {
    const lang = document.body.dataset.lang;
    const canRelease = me.scopes.includes("anonymised:release");
    root.append(el("h2", { text: t("console.anonymise.heading") }), el("p", { class: "help", text: t("console.anonymise.intro") }));
    let opts = await api("GET", "/api/v1/anonymised-exports/options", token);
    const exportable = opts.purposes.filter((p) => p.exportable);
    if (!exportable.length) { root.append(el("p", { id: "anon-none", text: t("console.anonymise.nopurpose") })); return; }

    const purpose = el("select", { id: "anon-purpose" });
    for (const p of exportable) purpose.append(el("option", { value: p.key, text: p.key }));
    purpose.value = opts.purpose;
    const segment = el("select", { id: "anon-segment" });
    const qis = el("div", { id: "anon-qis", class: "choices" });
    const sensitive = el("select", { id: "anon-sensitive" });
    const num = (id, value, attrs) => el("input", Object.assign({ id, type: "number", value }, attrs || {}));
    const k = num("anon-k", String(opts.k), { min: "2", step: "1", required: "" });
    const l = num("anon-l", "", { min: "2", step: "1" });
    const variant = el("select", { id: "anon-lvariant" });
    for (const v of ["distinct", "entropy", "recursive"]) variant.append(el("option", { value: v, text: t("console.anonymise.lvariant." + v) }));
    const c = num("anon-c", "", { min: "0", step: "any" });
    const tv = num("anon-t", "", { min: "0", max: "1", step: "0.01" });
    const supp = num("anon-suppression", String(opts.suppression * 100), { min: "0", max: "99", step: "any", required: "" });
    const metric = el("select", { id: "anon-metric" });
    for (const m of opts.metrics) metric.append(el("option", { value: m, text: t("console.anonymise.metric." + m) }));

    const label = (col) => {
      if (col.kind === "tag") return (col.label && (col.label[lang] || col.label.en)) || col.name;
      return col.name;
    };
    const describe = (col) => t("console.anonymise.type." + col.type) + " · " + t("console.anonymise.hierarchy." + col.hierarchy) +
      (col.levels && col.levels.length ? " (" + col.levels.join(" → ") + ")" : "");
    function renderColumns() {
      segment.replaceChildren(el("option", { value: "", text: t("console.anonymise.everyone") }));
      for (const s of opts.segments) segment.append(el("option", { value: s, text: s }));
      sensitive.replaceChildren(el("option", { value: "", text: t("console.anonymise.nosensitive") }));
      qis.replaceChildren();
      for (const kind of ["trait", "tag", "attribute"]) {
        const cols = opts.columns.filter((x) => x.kind === kind);
        if (!cols.length) continue;
        const box = el("fieldset", { "data-kind": kind }, el("legend", { text: t("console.anonymise.kind." + kind) }));
        for (const col of cols) {
          const id = "qi-" + qis.querySelectorAll("input").length + "-" + box.childElementCount;
          box.append(el("div", { class: "choice" },
            el("input", { type: "checkbox", id, value: col.id, "data-column": col.id }),
            el("label", { for: id }, el("span", { text: label(col) }), el("small", { text: " " + describe(col) }))));
          sensitive.append(el("option", { value: col.id, text: label(col) + " (" + t("console.anonymise.kind." + kind) + ")" }));
        }
        // Computed attributes are many: folded until wanted.
        qis.append(kind === "attribute" ? el("details", {}, el("summary", { text: t("console.anonymise.kind.attribute") + " (" + cols.length + ")" }), box) : box);
      }
    }
    renderColumns();

    const field = (input, key, help) => el("div", { class: "field" }, el("label", { for: input.id, text: t(key) }), help ? el("p", { class: "help", text: t(help) }) : null, input);
    const previewBtn = el("button", { type: "submit", id: "anon-preview", class: "primary", text: t("console.anonymise.preview") });
    const releaseBtn = el("button", { type: "button", id: "anon-release", text: t("console.anonymise.release"), disabled: "" });
    const form = el("form", { id: "anon-form" },
      field(purpose, "console.anonymise.purpose", "console.anonymise.purposehelp"),
      field(segment, "console.anonymise.segment"),
      el("h3", { text: t("console.anonymise.qis") }), el("p", { class: "help", text: t("console.anonymise.qishelp") }), qis,
      field(sensitive, "console.anonymise.sensitive", "console.anonymise.sensitivehelp"),
      el("div", { class: "models" }, field(k, "console.anonymise.k"), field(l, "console.anonymise.l"), field(variant, "console.anonymise.lvariant"),
        field(c, "console.anonymise.c"), field(tv, "console.anonymise.t"), field(supp, "console.anonymise.suppression"), field(metric, "console.anonymise.metric")),
      el("p", {}, previewBtn, " ", canRelease ? releaseBtn : el("span", { class: "help", id: "anon-norelease", text: t("console.anonymise.norelease") })));
    const out = el("section", { id: "anon-report", "aria-live": "polite" });
    const status = el("p", { id: "anon-status", role: "status" });
    root.append(form, status, out);

    let current = null; // the preview on screen, if the form has not changed since
    const invalidate = () => { current = null; releaseBtn.setAttribute("disabled", ""); };
    form.addEventListener("input", invalidate);
    form.addEventListener("change", invalidate);
    purpose.addEventListener("change", async () => {
      try { opts = await api("GET", "/api/v1/anonymised-exports/options?purpose=" + encodeURIComponent(purpose.value), token); renderColumns(); }
      catch (e) { fail(e); }
    });

    function spec() {
      const s = { purpose: purpose.value, quasi_identifiers: [...qis.querySelectorAll("input:checked")].map((x) => x.value),
        k: Number(k.value), suppression: Number(supp.value) / 100, metric: metric.value };
      if (segment.value) s.segment = segment.value;
      if (sensitive.value) s.sensitive = sensitive.value;
      if (l.value) { s.l = Number(l.value); s.l_variant = variant.value; if (variant.value === "recursive") s.c = Number(c.value); }
      if (tv.value !== "") s.t = Number(tv.value);
      return s;
    }
    function fail(e) {
      out.replaceChildren(el("p", { class: "error", role: "alert", id: "anon-error", text: e.message }));
    }

    // Level names the server builds are translated; a manifest's own level names are shown
    // as the manifest declares them.
    const levelName = (name) => {
      const m = /^intervals of (.+)$/.exec(name);
      if (m) return t("console.anonymise.intervals").replace("{n}", m[1]);
      return ["value", "day", "month", "quarter", "year"].includes(name) ? t("console.anonymise.levelname." + name) : name;
    };
    const pct = (x) => { const s = (100 * x).toFixed(1) + "%"; return x > 0 && s === "0.0%" ? "<0.1%" : s; };
    const oneIn = (x) => (x > 0 ? t("console.anonymise.onein").replace("{n}", String(Math.round(1 / x))) : "—");
    function render(p) {
      const r = p.report, b = r.risk.before, a = r.risk.after;
      const row = (key, before, after, id) => el("tr", { "data-risk": id }, el("th", { scope: "row", text: t(key) }),
        el("td", { class: "num before", text: before }), el("td", { class: "num after", text: after }));
      const risk = el("table", { id: "anon-risk" },
        el("thead", {}, el("tr", {}, el("th", { scope: "col", text: t("console.anonymise.measure") }),
          el("th", { scope: "col", class: "num", text: t("console.anonymise.before") }), el("th", { scope: "col", class: "num", text: t("console.anonymise.after") }))),
        el("tbody", {},
          row("console.anonymise.highest", pct(b.prosecutor_highest) + " (" + oneIn(b.prosecutor_highest) + ")", pct(a.prosecutor_highest) + " (" + oneIn(a.prosecutor_highest) + ")", "highest"),
          row("console.anonymise.average", pct(b.prosecutor_average), pct(a.prosecutor_average), "average"),
          row("console.anonymise.uniques", pct(b.sample_uniques), pct(a.sample_uniques), "uniques"),
          row("console.anonymise.marketer", pct(b.marketer_average), pct(a.marketer_average), "marketer"),
          row("console.anonymise.records", String(b.records), String(a.records) + (a.suppressed ? " (" + t("console.anonymise.suppressed") + " " + a.suppressed + ")" : ""), "records"),
          row("console.anonymise.classes", String(b.classes), String(a.classes), "classes")));
      // The summary in the page's language first, the other language beside it.
      const langs = lang === "zh-CN" ? ["zh-CN", "en"] : ["en", "zh-CN"];
      const summaries = el("div", { id: "anon-summaries" });
      for (const lg of langs) {
        summaries.append(el("h4", { text: t("console.anonymise.summary." + lg) }),
          el("p", { lang: lg, id: "anon-summary-" + lg, class: "summary", text: r.risk.summary[lg] }));
      }
      const tr = el("tbody");
      for (const g of p.columns) {
        const path = el("span", {});
        g.levels.forEach((name, i) => {
          if (i) path.append(" → ");
          path.append(i === g.level ? el("strong", { text: levelName(name) }) : levelName(name));
        });
        const notes = [];
        if (g.missing) notes.push(t("console.anonymise.missing") + " " + g.missing);
        if (g.unlisted) notes.push(t("console.anonymise.unlisted") + " " + g.unlisted);
        if (g.unparsed) notes.push(t("console.anonymise.unparsed") + " " + g.unparsed);
        tr.append(el("tr", { "data-column": g.column }, el("td", {}, el("code", { text: g.column })), el("td", { class: "level", text: levelName(g.level_name) }),
          el("td", {}, path), el("td", { text: notes.join(" · ") || "—" })));
      }
      const transform = el("div", { class: "scroll" }, el("table", { id: "anon-columns" }, el("thead", {}, el("tr", {},
        el("th", { scope: "col", text: t("console.anonymise.column") }), el("th", { scope: "col", text: t("console.anonymise.level") }),
        el("th", { scope: "col", text: t("console.anonymise.levels") }), el("th", { scope: "col", text: t("console.anonymise.notes") }))), tr));
      const u = r.utility;
      const fmt = (m, v) => (m === "discernibility" ? String(Math.round(v)) : m === "entropy" ? v.toFixed(3) : v.toFixed(4));
      const util = el("dl", { id: "anon-utility" });
      for (const m of opts.metrics) {
        const key = m === "entropy" ? "entropy" : m;
        util.append(el("dt", { text: t("console.anonymise.metric." + m) + (m === r.metric ? " ★" : "") }), el("dd", { class: "num", text: fmt(m, u[key]) }));
      }
      const pop = p.population;
      const excluded = (pop.excluded || []).filter((x) => x.count).map((x) => t("console.anonymise.reason." + x.reason) + " " + x.count).join(" · ");
      out.replaceChildren(
        el("h3", { text: t("console.anonymise.report") }),
        el("p", { id: "anon-population", text: t("console.anonymise.considered") + " " + pop.considered + " · " + t("console.anonymise.included") + " " + pop.included +
          (excluded ? " · " + t("console.anonymise.excluded") + " " + excluded : "") }),
        el("p", { id: "anon-models", text: t("console.anonymise.models") + " " + p.models.join(", ") + " · " + t("console.anonymise.suppressionlimit") + " " + pct(p.spec.suppression) }),
        risk, summaries,
        el("h3", { text: t("console.anonymise.transformation") }), transform,
        el("h3", { text: t("console.anonymise.utility") }), el("p", { class: "help", text: t("console.anonymise.utilityhelp") }), util);
    }

    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const s = spec();
      status.textContent = t("console.anonymise.working");
      try {
        const p = await api("POST", "/api/v1/anonymised-exports/preview", token, s);
        render(p);
        current = { spec: s, id: p.preview_id };
        releaseBtn.removeAttribute("disabled");
        status.textContent = t("console.anonymise.previewed");
      } catch (e) { invalidate(); status.textContent = ""; fail(e); }
    });
    releaseBtn.addEventListener("click", async () => {
      if (!current) return;
      status.textContent = t("console.anonymise.working");
      try {
        const rel = await api("POST", "/api/v1/anonymised-exports", token, Object.assign({}, current.spec, { preview_id: current.id, format: "csv" }));
        const url = URL.createObjectURL(new Blob([rel.csv], { type: "text/csv;charset=utf-8" }));
        const link = el("a", { href: url, download: rel.filename, id: "anon-download", text: rel.filename });
        status.replaceChildren(t("console.anonymise.released") + " " + rel.report.records + " · " + t("console.anonymise.auditleaf") + " #" + rel.audit_leaf + " · ", link);
        link.click();
      } catch (e) { status.textContent = ""; fail(e); invalidate(); }
    });
  };
})();
