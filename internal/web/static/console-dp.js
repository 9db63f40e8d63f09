// Differential privacy (issue 20 item 4): each privacy budget as a gauge of what was spent
// in its period, a form that first prices a report and shows its expected error (a dry
// run, nothing charged), then releases it, and every release drawn as a chart whose error
// bars are the cells' 95% confidence intervals. Strings: i18n/<lang>.dp.json.
"use strict";
(function () {
  const { t, api, el } = window.steward;
  const NS = "http://www.w3.org/2000/svg";
  const VALUED = ["sum", "mean", "quantile", "histogram"];

  function svg(tag, attrs, ...children) {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") e.textContent = v; else e.setAttribute(k, String(v));
    }
    for (const c of children) if (c) e.append(c);
    return e;
  }

  // fmt shows a number compactly: integers as they are, small ones with 3 significant
  // digits, large ones grouped.
  function fmt(x) {
    if (x === null || x === undefined || !isFinite(x)) return "∞";
    const a = Math.abs(x);
    if (a !== 0 && (a < 0.001 || a >= 1e9)) return x.toExponential(2);
    if (Number.isInteger(x)) return x.toLocaleString(document.body.dataset.lang);
    if (a >= 100) return Math.round(x).toLocaleString(document.body.dataset.lang);
    return String(Number(x.toPrecision(3)));
  }

  // niceTicks returns about n round values from at or below lo to at or above hi.
  function niceTicks(lo, hi, n) {
    if (hi <= lo) hi = lo + 1;
    const raw = (hi - lo) / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) || 10 * mag;
    const out = [];
    const last = Math.ceil(hi / step - 1e-9) * step;
    for (let v = Math.floor(lo / step + 1e-9) * step; v <= last + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
    return out;
  }

  // gauge draws a budget: the arc is the share of ε spent in the period.
  function gauge(b) {
    const total = b.spent.epsilon_total === null ? b.limit.epsilon : b.spent.epsilon_total;
    const f = Math.max(0, Math.min(1, total / b.limit.epsilon));
    const color = f < 0.5 ? "#1a7f37" : (f < 0.85 ? "#9a6700" : "#b3261e");
    const r = 52, cx = 70, cy = 66, w = 14;
    const at = (u) => [cx - r * Math.cos(Math.PI * u), cy - r * Math.sin(Math.PI * u)];
    const arc = (u) => { const [x, y] = at(u); return "M " + (cx - r) + " " + cy + " A " + r + " " + r + " 0 0 1 " + x.toFixed(2) + " " + y.toFixed(2); };
    const pct = Math.round(f * 100);
    const g = svg("svg", { class: "gauge", viewBox: "0 0 140 86", width: 140, height: 86, role: "img",
      "aria-label": b.name + ": " + t("console.dp.gauge.spent") + " ε " + fmt(total) + " / " + fmt(b.limit.epsilon) + " (" + pct + "%)" },
    svg("path", { d: arc(1), fill: "none", stroke: "#eef1f4", "stroke-width": w }),
    f > 0 ? svg("path", { d: arc(Math.max(f, 0.005)), fill: "none", stroke: color, "stroke-width": w }) : null,
    svg("text", { x: cx, y: cy - 8, "text-anchor": "middle", "font-size": 20, "font-weight": 600, fill: "#1b1f24", text: pct + "%" }),
    svg("text", { x: cx, y: cy + 14, "text-anchor": "middle", "font-size": 11, fill: "#57606a", text: "ε " + fmt(total) + " / " + fmt(b.limit.epsilon) }));
    const row = (k, v) => [el("dt", { text: t(k) }), el("dd", { text: v })];
    const dl = el("dl", {}, ...row("console.dp.gauge.left", "ε " + fmt(Math.max(b.remaining.epsilon, 0)) + " · ρ " + fmt(Math.max(b.remaining.rho, 0)) + " · δ " + fmt(Math.max(b.remaining.delta, 0))),
      ...row("console.dp.gauge.spentrho", "ρ " + fmt(b.spent.rho) + " · δ " + fmt(b.spent.delta)),
      ...row("console.dp.gauge.limit", "(ε " + fmt(b.limit.epsilon) + ", δ " + fmt(b.limit.delta) + ")"),
      ...row("console.dp.gauge.period", (b.period === "lifetime" ? t("console.dp.lifetime") : b.period) + " · " + t("console.dp.gauge.releases").replace("{n}", b.spent.charges)));
    for (const d of dl.querySelectorAll("dd")) d.style.margin = "0";
    dl.style.display = "grid"; dl.style.gridTemplateColumns = "max-content 1fr"; dl.style.gap = "0 .6rem"; dl.style.fontSize = ".85rem";
    const fig = el("figure", { class: "budget", "data-budget": b.name }, el("figcaption", {}, el("strong", { text: b.name }),
      b.consumer && b.consumer !== b.name ? el("span", { text: " · " + b.consumer }) : null), g, dl);
    fig.style.margin = "0"; fig.style.padding = ".6rem .8rem"; fig.style.border = "1px solid #d0d7de"; fig.style.borderRadius = "8px";
    fig.style.flex = "1 1 15rem"; fig.style.maxWidth = "22rem";
    return fig;
  }

  function unitOf(spec) {
    switch (spec.measure) {
      case "count": case "histogram": return t("console.dp.unit.events");
      case "count_people": return t("console.dp.unit.people");
      default: return spec.property;
    }
  }

  function dimName(d) {
    if (d.startsWith("trait:")) return t("console.dp.dim.trait") + " " + d.slice(6);
    if (d.startsWith("tag:")) return t("console.dp.dim.tag") + " " + d.slice(4);
    if (d.startsWith("segment:")) return t("console.dp.dim.segment") + " " + d.slice(8);
    const k = "console.dp.dim." + d;
    const v = t(k);
    return v === k ? d : v;
  }

  // chart draws one release: bars with the cells' 95% intervals as error bars, one panel
  // per series when the cells have two dimensions, a time or bin axis along x when there
  // is one.
  function chart(rel, width) {
    const spec = rel.spec;
    const dims = [...(spec.group_by || [])];
    if (spec.measure === "histogram") dims.push("bin");
    if (spec.measure === "quantile") dims.push("quantile");
    const xdim = dims.find((d) => d === "day" || d === "week") || dims.find((d) => d === "bin" || d === "quantile") || dims[dims.length - 1] || "";
    const sdims = dims.filter((d) => d !== xdim);
    const series = new Map();
    for (const c of rel.cells) {
      const s = sdims.map((d) => c.key[d]).join(" · ");
      if (!series.has(s)) series.set(s, []);
      series.get(s).push(c);
    }
    let panels = [...series.entries()].map(([name, cells]) => ({ name, cells, total: cells.reduce((a, c) => a + Math.abs(c.value), 0) }));
    panels.sort((a, b) => b.total - a.total);
    const wrap = el("div", { class: "release-chart" });
    const shown = panels.slice(0, 12);
    if (panels.length > shown.length) wrap.append(el("p", { class: "help", text: t("console.dp.chart.top") + " " + shown.length + " / " + panels.length }));
    if (!rel.cells.length) wrap.append(el("p", { class: "help", text: t("console.dp.chart.empty") }));
    const unit = unitOf(spec);
    for (const p of shown) {
      if (sdims.length) wrap.append(el("h5", { text: sdims.map(dimName).join(" · ") + ": " + p.name }));
      wrap.append(panel(p.cells, xdim, unit, width));
    }
    return wrap;
  }

  const ORDERED = ["day", "week", "bin"];
  const axisText = (unit) => t("console.dp.chart.axis").replace("{unit}", unit);
  const textAttrs = { "font-size": 12, fill: "#57606a" };

  // panel draws one series. Along time or bins the bars stand up, labels thinned to fit;
  // categories (events, traits, quantiles) lie down, one labelled row each, so every label
  // is readable at any width.
  function panel(cells, xdim, unit, width) {
    if (!ORDERED.includes(xdim)) return rows(cells, xdim, unit, width);
    const W = Math.max(280, Math.floor(width)), H = 210;
    const m = { l: 58, r: 12, t: 22, b: 46 };
    const pw = W - m.l - m.r, ph = H - m.t - m.b;
    const [ticks, scale] = domain(cells, ph);
    const y = (v) => m.t + ph - scale(v);
    const n = Math.max(cells.length, 1), band = pw / n;
    const s = svg("svg", { width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img", class: "chart",
      "aria-label": axisText(unit) + ", " + t("console.dp.chart.by") + " " + dimName(xdim) + ", " + cells.length + " " + t("console.dp.chart.cells") });
    s.style.display = "block"; s.style.maxWidth = "100%";
    for (const v of ticks) {
      s.append(svg("line", { x1: m.l, x2: W - m.r, y1: y(v), y2: y(v), stroke: v === 0 ? "#8c959f" : "#eef1f4" }),
        svg("text", Object.assign({ x: m.l - 6, y: y(v) + 4, "text-anchor": "end", text: fmt(v) }, textAttrs)));
    }
    s.append(svg("text", Object.assign({ x: 4, y: 13, text: axisText(unit) }, textAttrs)));
    const label = (c) => (xdim === "day" ? c.key[xdim].slice(5) : c.key[xdim]);
    const widest = Math.max(...cells.map((c) => label(c).length), 1) * 7 + 12;
    const every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(pw / widest))));
    cells.forEach((c, i) => {
      const cx = m.l + band * (i + 0.5), bw = Math.max(1, band * 0.7);
      const top = y(Math.max(c.value, 0)), base = y(Math.min(c.value, 0));
      s.append(svg("rect", { x: cx - bw / 2, y: top, width: bw, height: Math.max(base - top, 0.5), fill: "#0b5cad", "fill-opacity": 0.75, class: "bar" },
        svg("title", { text: c.key[xdim] + ": " + fmt(c.value) + " [" + fmt(c.ci[0]) + ", " + fmt(c.ci[1]) + "]" })));
      const cap = Math.min(8, band * 0.5);
      s.append(svg("path", { d: "M " + cx + " " + y(c.ci[0]) + " V " + y(c.ci[1]) + (cap >= 3 ? " M " + (cx - cap / 2) + " " + y(c.ci[0]) + " h " + cap +
        " M " + (cx - cap / 2) + " " + y(c.ci[1]) + " h " + cap : ""), stroke: "#1b1f24", "stroke-width": 1.2, fill: "none", class: "errorbar" }));
      if (i % every === 0) s.append(svg("text", Object.assign({ x: cx, y: H - m.b + 16, "text-anchor": "middle", text: label(c) }, textAttrs)));
    });
    s.append(svg("line", { x1: m.l, x2: m.l, y1: m.t, y2: m.t + ph, stroke: "#8c959f" }));
    s.append(svg("text", Object.assign({ x: m.l + pw / 2, y: H - 8, "text-anchor": "middle", text: dimName(xdim) }, textAttrs)));
    return s;
  }

  // domain returns the value axis's ticks and a scale onto [0, length] covering every
  // value and interval, zero included.
  function domain(cells, length) {
    let lo = 0, hi = 0;
    for (const c of cells) { lo = Math.min(lo, c.ci[0], c.value); hi = Math.max(hi, c.ci[1], c.value); }
    const ticks = niceTicks(lo, hi, 4);
    const a = ticks[0], b = ticks[ticks.length - 1];
    return [ticks, (v) => ((v - a) / (b - a || 1)) * length];
  }

  function rows(cells, xdim, unit, width) {
    const W = Math.max(280, Math.floor(width));
    const names = cells.map((c) => (xdim ? c.key[xdim] : t("console.dp.chart.all")));
    const short = (v) => (v.length > 22 ? v.slice(0, 21) + "…" : v);
    const lw = Math.min(170, Math.max(...names.map((v) => short(v).length), 3) * 7 + 12);
    const row = 24, m = { l: lw, r: 16, t: 26, b: 40 };
    const pw = W - m.l - m.r, H = m.t + row * Math.max(cells.length, 1) + m.b;
    const [ticks, scale] = domain(cells, pw);
    const x = (v) => m.l + scale(v);
    const s = svg("svg", { width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img", class: "chart",
      "aria-label": axisText(unit) + (xdim ? ", " + t("console.dp.chart.by") + " " + dimName(xdim) : "") + ", " + cells.length + " " + t("console.dp.chart.cells") });
    s.style.display = "block"; s.style.maxWidth = "100%";
    for (const v of ticks) {
      s.append(svg("line", { x1: x(v), x2: x(v), y1: m.t, y2: H - m.b, stroke: v === 0 ? "#8c959f" : "#eef1f4" }),
        svg("text", Object.assign({ x: x(v), y: H - m.b + 16, "text-anchor": "middle", text: fmt(v) }, textAttrs)));
    }
    s.append(svg("text", Object.assign({ x: 4, y: 14, text: (xdim ? dimName(xdim) + " · " : "") + axisText(unit) }, textAttrs)));
    cells.forEach((c, i) => {
      const cy = m.t + row * (i + 0.5), bh = row * 0.62;
      const left = x(Math.min(c.value, 0)), right = x(Math.max(c.value, 0));
      s.append(svg("text", Object.assign({ x: m.l - 8, y: cy + 4, "text-anchor": "end", text: short(names[i]) }, textAttrs), svg("title", { text: names[i] })));
      s.append(svg("rect", { x: left, y: cy - bh / 2, width: Math.max(right - left, 0.5), height: bh, fill: "#0b5cad", "fill-opacity": 0.75, class: "bar" },
        svg("title", { text: names[i] + ": " + fmt(c.value) + " [" + fmt(c.ci[0]) + ", " + fmt(c.ci[1]) + "]" })));
      s.append(svg("path", { d: "M " + x(c.ci[0]) + " " + cy + " H " + x(c.ci[1]) + " M " + x(c.ci[0]) + " " + (cy - 5) + " v 10 M " + x(c.ci[1]) + " " + (cy - 5) + " v 10",
        stroke: "#1b1f24", "stroke-width": 1.2, fill: "none", class: "errorbar" }));
    });
    s.append(svg("line", { x1: m.l, x2: m.l, y1: m.t, y2: H - m.b, stroke: "#8c959f" }));
    s.append(svg("text", Object.assign({ x: m.l + pw / 2, y: H - 6, "text-anchor": "middle", text: unit }, textAttrs)));
    return s;
  }

  function describe(spec) {
    let s = t("console.dp.measure." + spec.measure);
    if (spec.property) s += " " + spec.property;
    if (spec.event) s += " · " + spec.event;
    if ((spec.group_by || []).length) s += " · " + t("console.dp.chart.by") + " " + spec.group_by.map(dimName).join(", ");
    return s;
  }

  function releaseFigure(rel, width) {
    const meta = el("p", { class: "help", text: rel.at.slice(0, 16).replace("T", " ") + " · " + rel.spec.budget + " · " + rel.spec.purpose +
      " · ε " + fmt(rel.spec.epsilon) + " · " + rel.cells.length + " " + t("console.dp.chart.cells") });
    const fig = el("figure", { class: "release", "data-release": rel.id }, el("figcaption", {}, el("strong", { text: describe(rel.spec) })), meta, chart(rel, width));
    fig.style.margin = "1rem 0"; fig.style.borderTop = "1px solid #d0d7de"; fig.style.paddingTop = ".5rem";
    return fig;
  }

  window.steward.screens.dp = async (root, token, me, show) => {
    root.append(el("h2", { text: t("console.dp.heading") }), el("p", { class: "help", text: t("console.dp.intro") }));
    const [bl, rl, tax] = await Promise.all([api("GET", "/api/v1/privacy-budgets", token), api("GET", "/api/v1/reports?limit=20", token),
      api("GET", "/api/v1/taxonomy", token)]);
    const width = () => Math.min(root.clientWidth || 600, 900);

    // Budgets as gauges.
    root.append(el("h3", { text: t("console.dp.budgets") }));
    const gauges = el("div", { id: "dp-budgets" });
    gauges.style.display = "flex"; gauges.style.flexWrap = "wrap"; gauges.style.gap = ".8rem";
    if (!bl.budgets.length) gauges.append(el("p", { id: "dp-nobudgets", text: t("console.dp.nobudgets") }));
    for (const b of bl.budgets) gauges.append(gauge(b));
    root.append(gauges);
    if (me.scopes.includes("budgets:write")) {
      const inp = (id, attrs) => el("input", Object.assign({ id }, attrs));
      const out = el("p", { id: "budget-out", role: "status" });
      const form = el("form", { id: "dp-budget-form" },
        el("label", { for: "budget-name", text: t("console.dp.budget.name") }), inp("budget-name", { required: "", pattern: "[A-Za-z0-9_.-]+", maxlength: "128" }),
        el("label", { for: "budget-epsilon", text: "ε" }), inp("budget-epsilon", { type: "number", step: "any", min: "0.001", max: "100", value: "1", required: "" }),
        el("label", { for: "budget-delta", text: "δ" }), inp("budget-delta", { type: "number", step: "any", min: "0", max: "0.001", value: "0.000001" }),
        el("label", { for: "budget-period", text: t("console.dp.budget.period") }), inp("budget-period", { value: "30d", required: "" }),
        el("p", { class: "help", text: t("console.dp.budget.help") }),
        el("button", { type: "submit", id: "budget-create", text: t("console.dp.budget.create") }));
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        try {
          await api("POST", "/api/v1/privacy-budgets", token, { name: form.querySelector("#budget-name").value,
            epsilon: Number(form.querySelector("#budget-epsilon").value), delta: Number(form.querySelector("#budget-delta").value),
            period: form.querySelector("#budget-period").value });
          await show("dp", token, me);
        } catch (e) { out.className = "error"; out.textContent = e.message; }
      });
      root.append(el("details", {}, el("summary", { text: t("console.dp.budget.new") }), form, out));
    }

    // The report form: a dry run first (cost and expected error), then the release.
    if (me.scopes.includes("reports:write") && bl.budgets.length) {
      root.append(el("h3", { text: t("console.dp.run") }));
      const sel = (id, options) => {
        const s = el("select", { id });
        for (const [v, label] of options) s.append(el("option", { value: v, text: label }));
        return s;
      };
      const field = (label, control, id) => { const w = el("div", { class: "field", id: id || "" }, el("label", { for: control.id, text: label }), control); return w; };
      const budget = sel("report-budget", bl.budgets.map((b) => [b.name, b.name]));
      const purpose = sel("report-purpose", tax.purposes.map((p) => [p.key, p.key]));
      purpose.value = tax.purposes.some((p) => p.key === "analytics.reporting") ? "analytics.reporting" : purpose.value;
      const measure = sel("report-measure", ["count", "count_people", "sum", "mean", "quantile", "histogram"].map((m) => [m, t("console.dp.measure." + m)]));
      const event = sel("report-event", []);
      const property = sel("report-property", []);
      const lo = el("input", { id: "report-lo", type: "number", step: "any", value: "0" });
      const hi = el("input", { id: "report-hi", type: "number", step: "any", value: "2000" });
      const bins = el("input", { id: "report-bins", type: "number", min: "1", max: "100", value: "10" });
      const g1 = sel("report-group1", []), g2 = sel("report-group2", []);
      const range = sel("report-range", [["30", t("console.dp.range.30")], ["7", t("console.dp.range.7")], ["90", t("console.dp.range.90")], ["", t("console.dp.range.all")]]);
      const eps = el("input", { id: "report-epsilon", type: "number", step: "any", min: "0.001", max: "10", value: "0.5" });
      const dry = el("button", { type: "button", id: "report-dry", text: t("console.dp.dry") });
      const run = el("button", { type: "button", id: "report-run", class: "primary", disabled: "", text: t("console.dp.release") });
      const preview = el("div", { id: "report-preview", "aria-live": "polite" });
      let schema = { events: [], traits: [] }, priced = "";
      const fillEvents = () => {
        const keep = event.value;
        event.replaceChildren(el("option", { value: "", text: t("console.dp.allevents") }));
        for (const e of schema.events) event.append(el("option", { value: e.name, text: e.name }));
        if ([...event.options].some((o) => o.value === keep)) event.value = keep;
        fillProps();
      };
      const fillProps = () => {
        const keep = property.value;
        const names = new Set();
        for (const e of schema.events) if (!event.value || e.name === event.value) for (const p of e.properties) names.add(p);
        property.replaceChildren(...[...names].sort().map((p) => el("option", { value: p, text: p })));
        if (names.has(keep)) property.value = keep; else if (names.has("total")) property.value = "total";
      };
      const fillGroups = () => {
        const opts = [["", t("console.dp.group.none")], ["event", dimName("event")], ["day", dimName("day")], ["week", dimName("week")]];
        if (schema.campaign) opts.push(["campaign", dimName("campaign")]);
        for (const tr of schema.traits) opts.push(["trait:" + tr, dimName("trait:" + tr)]);
        for (const g of [g1, g2]) {
          const keep = g.value;
          g.replaceChildren(...opts.map(([v, l]) => el("option", { value: v, text: l })));
          g.value = opts.some(([v]) => v === keep) ? keep : "";
        }
      };
      const loadSchema = async () => {
        try { schema = await api("GET", "/api/v1/reports/schema?purpose=" + encodeURIComponent(purpose.value), token); }
        catch (e) { schema = { events: [], traits: [] }; }
        fillEvents(); fillGroups();
      };
      const valued = el("div", { id: "report-valued" }, field(t("console.dp.property"), property), field(t("console.dp.lower"), lo), field(t("console.dp.upper"), hi));
      const binsField = field(t("console.dp.bins"), bins, "report-bins-field");
      const sync = () => {
        valued.hidden = !VALUED.includes(measure.value);
        binsField.hidden = measure.value !== "histogram";
        run.disabled = true; priced = "";
      };
      const spec = () => {
        const s = { budget: budget.value, purpose: purpose.value, measure: measure.value, epsilon: Number(eps.value) };
        if (event.value) s.event = event.value;
        if (VALUED.includes(measure.value)) { s.property = property.value; s.bounds = [Number(lo.value), Number(hi.value)]; }
        if (measure.value === "histogram") s.bins = Number(bins.value);
        const gb = [g1.value, g2.value].filter((v, i, a) => v && a.indexOf(v) === i);
        if (gb.length) s.group_by = gb;
        if (range.value) {
          const to = new Date(); to.setUTCHours(24, 0, 0, 0);
          const from = new Date(to.getTime() - Number(range.value) * 86400000);
          s.from = from.toISOString().replace(/\.\d+Z$/, "Z"); s.to = to.toISOString().replace(/\.\d+Z$/, "Z");
        }
        // Event names are the manifest's tracking plan, not personal data: declared, every
        // event gets a cell and no budget goes to choosing which to show.
        if (gb.includes("event")) s.public_keys = { event: event.value ? [event.value] : schema.events.map((e) => e.name) };
        return s;
      };
      const fail = (e) => preview.replaceChildren(el("p", { class: "error", role: "alert", id: "report-error", text: e.message }));
      for (const c of [budget, measure, event, property, lo, hi, bins, g1, g2, range, eps]) c.addEventListener("change", sync);
      event.addEventListener("change", fillProps);
      purpose.addEventListener("change", async () => { sync(); await loadSchema(); });
      dry.onclick = async () => {
        const s = spec();
        try {
          const r = await api("POST", "/api/v1/reports", token, Object.assign({}, s, { dry_run: true }));
          const pv = r.preview, ch = r.charged;
          const lines = [];
          if (pv.ci95_half_width) lines.push(t("console.dp.expect.each") + " ±" + fmt(pv.ci95_half_width) + " " + unitOf(r.spec) + " " + t("console.dp.expect.ci"));
          for (const a of pv.at || []) {
            lines.push(a.rank_half_width ? t("console.dp.expect.rank") + " ±" + fmt(a.rank_half_width) + " " + t("console.dp.expect.at") + " " + fmt(a.contributions)
              : "±" + fmt(a.ci95_half_width) + " " + unitOf(r.spec) + " " + t("console.dp.expect.at") + " " + fmt(a.contributions));
          }
          if (pv.partition_selection) lines.push(t("console.dp.expect.selection") + " " + fmt(pv.kept_from));
          if (pv.cells) lines.push(pv.cells + " " + t("console.dp.chart.cells"));
          lines.push(t("console.dp.expect.cost") + " ε " + fmt(ch.epsilon_total) + " (ε " + fmt(ch.epsilon) + ", ρ " + fmt(ch.rho) + ", δ " + fmt(ch.delta) + ")");
          lines.push(t("console.dp.expect.after") + " ε " + fmt(r.remaining.epsilon));
          const ul = el("ul", { id: "report-expect" }, ...lines.map((l) => el("li", { text: l })));
          const verdict = el("p", { id: "report-verdict", class: r.allowed ? "" : "error", text: t(r.allowed ? "console.dp.fits" : "console.dp.exceeds") });
          preview.replaceChildren(ul, verdict);
          priced = JSON.stringify(s);
          run.disabled = !r.allowed;
        } catch (e) { fail(e); run.disabled = true; }
      };
      run.onclick = async () => {
        const s = spec();
        if (JSON.stringify(s) !== priced) { run.disabled = true; return; }
        run.disabled = true;
        let r;
        // The first report of a purpose waits while its data is prepared (503, nothing
        // charged): ask again every two seconds, saying so.
        for (let tries = 0; ; tries++) {
          try { r = await api("POST", "/api/v1/reports", token, s); break; }
          catch (e) {
            if (e.status === 503 && tries < 300) {
              preview.replaceChildren(el("p", { id: "report-preparing", role: "status", text: t("console.dp.preparing") }));
              await new Promise((ok) => setTimeout(ok, 2000));
              continue;
            }
            fail(e); return;
          }
        }
        priced = "";
        await show("dp", token, me);
        document.getElementById("dp-status").textContent = t("console.dp.released") + " " + r.id + " · ε " + fmt(r.charged.epsilon_total);
      };
      const grid = el("div", { id: "report-fields" }, field(t("console.dp.budget"), budget), field(t("console.dp.purpose"), purpose),
        field(t("console.dp.measure"), measure), field(t("console.dp.event"), event), valued, binsField,
        field(t("console.dp.groupby") + " 1", g1), field(t("console.dp.groupby") + " 2", g2), field(t("console.dp.range"), range), field("ε", eps));
      grid.style.display = "grid"; grid.style.gridTemplateColumns = "repeat(auto-fill, minmax(12rem, 1fr))"; grid.style.gap = ".5rem 1rem";
      for (const f of grid.querySelectorAll("select, input")) { f.style.width = "100%"; }
      root.append(el("form", { id: "dp-report-form" }, grid, el("p", {}, dry, " ", run)), preview);
      sync();
      await loadSchema();
    }
    root.append(el("p", { id: "dp-status", role: "status" }));

    // Releases, newest first.
    root.append(el("h3", { text: t("console.dp.releases") }));
    const list = el("div", { id: "dp-releases" });
    if (!rl.releases.length) list.append(el("p", { id: "dp-noreleases", text: t("console.dp.noreleases") }));
    root.append(list);
    for (const rel of rl.releases) list.append(releaseFigure(rel, width()));
  };
})();
