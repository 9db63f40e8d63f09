// The overview: "is everything fine" (issue 18 item 2). Every figure comes from
// GET /api/v1/overview, which counts from the store and the intake counters: ingestion per
// day (received, stored, dropped by reason), people, consent choices per purpose per day of
// the choice, the rights queue, how far the signed audit log lags, store health. Charts are
// SVG with axes, units and a legend; purposes carry their manifest names.
"use strict";
(function () {
  const { t, api, el } = window.steward;
  const NS = "http://www.w3.org/2000/svg";
  const svgEl = (tag, attrs, text) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const fmt = (n) => new Intl.NumberFormat(document.body.dataset.lang).format(n);
  // A label of a catalogue key, or the fallback when the catalogue has none.
  const tOr = (key, fallback) => (t(key) === key ? fallback : t(key));

  // chart draws stacked daily bars: days are "YYYY-MM-DD"; series [{name, color, values}].
  // The y axis has round ticks and its unit, the x axis dates (month-day) at even steps.
  function chart({ id, title, unit, days, series, width = 640, height = 220 }) {
    const m = { l: 52, r: 12, t: 12, b: 44 };
    const w = width - m.l - m.r, h = height - m.t - m.b;
    const totals = days.map((_, i) => series.reduce((a, s) => a + (s.values[i] || 0), 0));
    const top = niceMax(Math.max(1, ...totals));
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart", id, "aria-label": title + " (" + unit + ")" });
    svg.append(svgEl("title", {}, title));
    const y = (v) => m.t + h - (v / top) * h;
    for (let k = 0; k <= 4; k++) {
      const v = (top / 4) * k;
      svg.append(svgEl("line", { x1: m.l, x2: m.l + w, y1: y(v), y2: y(v), class: k ? "grid" : "axis" }));
      svg.append(svgEl("text", { x: m.l - 6, y: y(v) + 4, "text-anchor": "end", class: "tick" }, fmt(v)));
    }
    svg.append(svgEl("text", { x: 12, y: m.t + h / 2, transform: `rotate(-90 12 ${m.t + h / 2})`, "text-anchor": "middle", class: "axis-label" }, unit));
    const bw = w / Math.max(days.length, 1);
    const every = Math.max(1, Math.ceil(days.length / 6));
    days.forEach((d, i) => {
      let base = 0;
      for (const s of series) {
        const v = s.values[i] || 0;
        if (v > 0) {
          const r = svgEl("rect", { x: m.l + i * bw + 1, y: y(base + v), width: Math.max(1, bw - 2), height: y(base) - y(base + v), fill: s.color, "data-day": d, "data-series": s.name });
          r.append(svgEl("title", {}, d + " · " + s.name + ": " + fmt(v) + " " + unit));
          svg.append(r);
        }
        base += v;
      }
      if (i % every === 0 || i === days.length - 1) {
        svg.append(svgEl("text", { x: m.l + i * bw + bw / 2, y: m.t + h + 16, "text-anchor": "middle", class: "tick" }, d.slice(5)));
      }
    });
    svg.append(svgEl("text", { x: m.l + w / 2, y: height - 6, "text-anchor": "middle", class: "axis-label" }, t("console.overview.axis.day")));
    const legend = el("ul", { class: "legend" });
    for (const s of series) {
      const sw = el("span", { class: "swatch" });
      sw.style.background = s.color;
      legend.append(el("li", {}, sw, el("span", { text: s.name })));
    }
    return el("figure", { class: "chart" }, el("figcaption", { text: title }), svg, legend);
  }
  // niceMax is the top of an axis with four whole-number steps of 1, 2, 2.5 or 5 × 10^k.
  function niceMax(v) {
    const raw = Math.max(1, v / 4);
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    for (const f of [1, 2, 2.5, 5, 10]) {
      const step = f * p;
      if (step >= raw && Number.isInteger(step)) return step * 4;
    }
    return 40 * p;
  }
  window.steward.chart = chart;

  const card = (id, label, value, note, state) =>
    el("div", { class: "card" + (state ? " " + state : ""), id }, el("p", { class: "card-label", text: label }),
      el("p", { class: "card-value", text: value }), note ? el("p", { class: "card-note", text: note }) : null);

  const ago = (seconds) => {
    if (seconds < 90) return t("console.overview.seconds").replace("{n}", fmt(seconds));
    if (seconds < 5400) return t("console.overview.minutes").replace("{n}", fmt(Math.round(seconds / 60)));
    return t("console.overview.hours").replace("{n}", fmt(Math.round(seconds / 3600)));
  };

  window.steward.screens.overview = async (root, token, me) => {
    root.append(el("h2", { text: t("console.overview.heading") }));
    const o = await api("GET", "/api/v1/overview?days=30", token);
    const healthyText = t(o.store.healthy ? "console.overview.healthy" : "console.overview.unhealthy");
    const audit = o.audit || {};
    const lagging = audit.waiting_seconds > 180;
    const cards = el("div", { class: "cards", id: "overview-cards" },
      card("card-store", t("console.overview.health"), healthyText, o.store.dialect + " · " + t("console.overview.schema") + " " + o.store.schema + " · " + o.store.ping_ms + " ms", o.store.healthy ? "ok" : "bad"),
      card("card-people", t("console.overview.people"), fmt(o.people), fmt(o.events) + " " + t("console.overview.eventsheld")),
      card("card-today", t("console.overview.today"), fmt(o.ingest_today.received) + " " + t("console.overview.received"),
        fmt(o.ingest_today.stored) + " " + t("console.overview.stored") + " · " + fmt(o.ingest_today.dropped) + " " + t("console.overview.dropped")),
      card("card-rights", t("console.overview.rights"), fmt(o.rights.open) + " " + t("console.overview.open"),
        fmt(o.rights.overdue) + " " + t("console.overview.overdue") + " · " + fmt(o.rights.due_soon) + " " + t("console.overview.duesoon"), o.rights.overdue ? "bad" : "ok"),
      card("card-audit", t("console.overview.audit"), audit.unsigned ? fmt(audit.unsigned) : t("console.overview.allsigned"),
        audit.unsigned ? t("console.overview.unsigned") + " · " + t("console.overview.waiting") + " " + ago(audit.waiting_seconds) : (audit.last_signed_act ? t("console.overview.lastsigned") + " " + audit.last_signed_act.slice(0, 16).replace("T", " ") + " UTC" : ""),
        lagging ? "bad" : "ok"));
    root.append(cards);

    const days = o.ingest.map((d) => d.day);
    root.append(el("h3", { text: t("console.overview.ingest") }),
      chart({ id: "chart-ingest", title: t("console.overview.ingestchart"), unit: t("console.overview.unit.events"), days,
        series: [{ name: t("console.overview.stored"), color: "#1a7f37", values: o.ingest.map((d) => d.stored) },
          { name: t("console.overview.duplicate"), color: "#8c959f", values: o.ingest.map((d) => d.duplicate) },
          { name: t("console.overview.dropped"), color: "#b3261e", values: o.ingest.map((d) => d.dropped) }] }));

    // Drops by reason: today and over the window.
    const reasons = Object.keys(o.ingest_total.dropped_by || {}).sort((a, b) => o.ingest_total.dropped_by[b] - o.ingest_total.dropped_by[a]);
    const tb = el("tbody");
    for (const r of reasons) {
      tb.append(el("tr", { "data-reason": r }, el("td", { text: tOr("console.overview.reason." + r, r) }),
        el("td", { class: "num", text: fmt((o.ingest_today.dropped_by || {})[r] || 0) }), el("td", { class: "num", text: fmt(o.ingest_total.dropped_by[r]) })));
    }
    if (!reasons.length) tb.append(el("tr", {}, el("td", { colspan: "3", text: t("console.overview.nodrops") })));
    root.append(el("h3", { text: t("console.overview.dropreasons") }), el("div", { class: "scroll" }, el("table", { id: "drop-reasons" },
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: t("console.overview.reason") }),
        el("th", { scope: "col", class: "num", text: t("console.overview.today") }), el("th", { scope: "col", class: "num", text: t("console.overview.last30") }))), tb)));

    root.append(el("h3", { text: t("console.overview.consent") }), el("p", { class: "help", text: t("console.overview.consenthelp") }));
    const grid = el("div", { class: "charts", id: "consent-by-purpose" });
    if (!o.consent.length) grid.append(el("p", { text: t("console.overview.noconsent") }));
    for (const p of o.consent) {
      const byDay = Object.fromEntries(p.days.map((d) => [d.day, d]));
      const f = chart({ id: "chart-consent-" + p.purpose.replace(/[^a-z0-9]/gi, "_"), title: p.name, unit: t("console.overview.unit.choices"), days, width: 420, height: 180,
        series: [{ name: t("console.consent.granted"), color: "#1a7f37", values: days.map((d) => (byDay[d] || {}).granted || 0) },
          { name: t("console.consent.withdrawn"), color: "#b3261e", values: days.map((d) => (byDay[d] || {}).withdrawn || 0) }] });
      f.dataset.purpose = p.purpose;
      const total = p.granted + p.withdrawn;
      f.append(el("p", { class: "card-note", text: fmt(p.granted) + " " + t("console.consent.granted") + " · " + fmt(p.withdrawn) + " " + t("console.consent.withdrawn") +
        (total ? " · " + t("console.overview.grantrate") + " " + Math.round((100 * p.granted) / total) + "%" : "") }));
      grid.append(f);
    }
    root.append(grid);
    root.append(el("p", { class: "help", id: "operator-line", text: t("console.overview.signedin") + " " }));
    const line = root.lastChild;
    line.append(el("span", { id: "operator-name", text: me.operator.name }), " · ", el("span", { id: "operator-role", text: me.operator.role }));
  };
})();
