// Campaigns and journeys (issue 19): every definition with its status and results, the
// funnel of the one opened as a chart (audience → eligible → sent → delivered → converted),
// who was skipped and why, the held-out group against the treated one, a define form
// that shows the server's located errors, and activate / pause.
"use strict";
(function () {
  const { t, api, el } = window.steward;
  const NS = "http://www.w3.org/2000/svg";

  function svg(tag, attrs, text) {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  }
  const fmt = (n) => Number(n).toLocaleString(document.body.dataset.lang);
  const pct = (part, whole) => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0) + "%";
  // A readable label for a skip reason: the catalogue's, else the stable string itself.
  const reasonLabel = (r) => { const k = "console.campaigns.reason." + r; const v = t(k); return v === k ? r : v; };

  // axis picks a tick step of 1, 2 or 5 × 10^k giving at most five intervals, and the end
  // of the axis as the first tick at or past v: ticks fall on round numbers (whole ones
  // for counts of people).
  function axis(v, whole) {
    v = Math.max(v, whole ? 1 : 0.001);
    let step = Math.pow(10, Math.floor(Math.log10(v / 5)));
    for (const m of [1, 2, 5, 10]) if (m * step * 5 >= v) { step = m * step; break; }
    if (whole) step = Math.max(1, Math.round(step));
    const n = Math.max(1, Math.ceil(v / step - 1e-9));
    return { max: n * step, ticks: n, step };
  }

  // The width charts are drawn for: the screen's own, so that on a phone the text stays
  // as large as on a desktop and labels go above their bars instead of beside them.
  const chartWidth = () => Math.max(300, Math.min(760, (document.getElementById("screen") || document.body).clientWidth || 640));

  // barChart draws horizontal bars with their labels, values and an x axis with ticks and
  // its unit: rows are {label, value, note?, color?}.
  function barChart(id, title, rows, unit, opts) {
    const o = Object.assign({ labelW: 190, w: chartWidth(), rowH: 30, max: 0, format: fmt, whole: true }, opts || {});
    const compact = o.w < 560;
    if (compact) { o.labelW = 0; o.rowH = 46; }
    o.labelW = Math.min(o.labelW, o.w * 0.45);
    const ax = axis(o.max || Math.max(0, ...rows.map((r) => r.value)), o.whole), max = ax.max;
    const plotX = compact ? 4 : o.labelW, plotW = o.w - plotX - (compact ? 90 : 120), top = 8, h = top + rows.length * o.rowH + 44;
    const s = svg("svg", { viewBox: "0 0 " + o.w + " " + h, width: "100%", role: "img", id, "aria-label": title + ": " +
      rows.map((r) => r.label + " " + o.format(r.value) + (r.note ? " (" + r.note + ")" : "")).join(", ") });
    s.append(svg("title", {}, title));
    const ticks = ax.ticks;
    for (let i = 0; i <= ticks; i++) {
      const x = plotX + (plotW * i) / ticks;
      s.append(svg("line", { x1: x, x2: x, y1: top, y2: top + rows.length * o.rowH, stroke: "#d0d7de", "stroke-dasharray": i ? "3 3" : "" }));
      s.append(svg("text", { x, y: top + rows.length * o.rowH + 16, "text-anchor": "middle", "font-size": 12, fill: "#57606a" }, o.format((max * i) / ticks)));
    }
    s.append(svg("text", { x: plotX + plotW / 2, y: h - 6, "text-anchor": "middle", "font-size": 12, fill: "#57606a", class: "axis-unit" }, unit));
    rows.forEach((r, i) => {
      const y = top + i * o.rowH;
      const w = max > 0 ? (plotW * r.value) / max : 0;
      const g = svg("g", { "data-stage": r.key || r.label });
      const by = compact ? y + 22 : y + 5, bh = compact ? 18 : o.rowH - 10;
      g.append(compact
        ? svg("text", { x: plotX, y: y + 16, "font-size": 13, fill: "#1b1f24" }, r.label)
        : svg("text", { x: plotX - 8, y: y + o.rowH / 2 + 4, "text-anchor": "end", "font-size": 13, fill: "#1b1f24" }, r.label));
      const bar = svg("rect", { x: plotX, y: by, width: Math.max(w, r.value > 0 ? 2 : 0), height: bh, rx: 3, fill: r.color || "#0b5cad" });
      bar.append(svg("title", {}, r.label + ": " + o.format(r.value) + (r.note ? " (" + r.note + ")" : "")));
      g.append(bar);
      g.append(svg("text", { x: plotX + w + 6, y: by + bh / 2 + 4, "font-size": 13, fill: "#1b1f24", class: "value" },
        o.format(r.value) + (r.note ? " · " + r.note : "")));
      s.append(g);
    });
    const fig = el("figure", { class: "chart" }, el("figcaption", { text: title }), s);
    fig.style.margin = "1rem 0";
    fig.firstChild.style.fontWeight = "600";
    return fig;
  }

  function funnelOf(res) {
    const f = res.funnel, a = f.audience;
    return [
      { key: "audience", label: t("console.campaigns.stage.audience"), value: f.audience, color: "#57606a" },
      { key: "eligible", label: t("console.campaigns.stage.eligible"), value: f.eligible, note: pct(f.eligible, a), color: "#3b7dd8" },
      { key: "sent", label: t("console.campaigns.stage.sent"), value: f.sent, note: pct(f.sent, a), color: "#0b5cad" },
      { key: "delivered", label: t("console.campaigns.stage.delivered"), value: f.delivered, note: pct(f.delivered, a), color: "#1a7f37" },
      { key: "converted", label: t("console.campaigns.stage.converted"), value: f.converted, note: pct(f.converted, f.delivered) + " " + t("console.campaigns.ofdelivered"), color: "#8250df" },
    ];
  }

  function detail(v) {
    const box = el("section", { id: "campaign-detail", "data-id": v.id, "aria-labelledby": "campaign-detail-h" });
    box.append(el("h3", { id: "campaign-detail-h", text: (v.name || v.id) + " · " + t("console.campaigns.status." + v.status) }));
    const res = v.results;
    if (!res) {
      box.append(el("p", { text: t("console.campaigns.noresults") }));
      return box;
    }
    if (res.dp) box.append(el("p", { class: "help", id: "campaign-dp", text: t("console.campaigns.dpnote") + " " + res.dp.budget + " (ε " + res.dp.epsilon + ")" }));
    box.append(barChart("campaign-funnel", t("console.campaigns.funnel"), funnelOf(res), t("console.campaigns.unit.people")));
    const reasons = Object.entries(res.skipped || {}).sort((a, b) => b[1] - a[1]);
    if (reasons.length) {
      box.append(barChart("campaign-skips", t("console.campaigns.skips"), reasons.map(([r, n]) => ({ key: r, label: reasonLabel(r), value: n, color: "#b3261e" })),
        t("console.campaigns.unit.people"), { labelW: 330 }));
    } else {
      box.append(el("p", { id: "campaign-noskips", text: t("console.campaigns.noskips") }));
    }
    // Held out against treated: conversion rates, and the uplift with its 95% interval.
    const treated = res.funnel.delivered, held = res.funnel.holdout;
    const rate = (x, n) => (n > 0 ? (100 * x) / n : 0);
    const rows = [
      { key: "treated", label: t("console.campaigns.treated") + " (" + fmt(treated) + ")", value: rate(res.funnel.converted, treated), color: "#0b5cad" },
      { key: "holdout", label: t("console.campaigns.holdout") + " (" + fmt(held) + ")", value: rate(res.funnel.holdout_converted, held), color: "#8c959f" },
    ];
    box.append(barChart("campaign-holdout", t("console.campaigns.holdoutvs"), rows, t("console.campaigns.unit.rate"),
      { whole: false, max: Math.max(1, ...rows.map((r) => r.value)), format: (x) => (Math.round(x * 10) / 10) + "%" }));
    const u = res.uplift;
    box.append(el("p", { id: "campaign-uplift", text: u
      ? t("console.campaigns.uplift") + " " + (u.difference >= 0 ? "+" : "") + (100 * u.difference).toFixed(1) + " " + t("console.campaigns.pp") +
        " (95% CI " + (100 * u.low).toFixed(1) + " … " + (100 * u.high).toFixed(1) + ")"
      : t("console.campaigns.noholdout") }));
    const dl = el("dl", { class: "campaign-meta" },
      el("dt", { text: t("console.campaigns.purpose") }), el("dd", { text: v.purpose }),
      el("dt", { text: t("console.campaigns.channel") }), el("dd", { text: v.channel }),
      el("dt", { text: t("console.campaigns.variants") }), el("dd", { text: Object.entries(res.variants || {}).map(([k, n]) => k + " " + fmt(n)).join(" · ") || "—" }),
      el("dt", { text: t("console.campaigns.dead") }), el("dd", { text: fmt(res.dead) + " · " + t("console.campaigns.pending") + " " + fmt(res.pending) }));
    box.append(dl);
    return box;
  }

  window.steward.screens.campaigns = async (root, token, me, show) => {
    root.append(el("h2", { text: t("console.campaigns.heading") }));
    const canWrite = me.scopes.includes("campaigns:write");
    const status = el("p", { id: "campaigns-status", role: "status" });
    root.append(status);
    const [cs, js] = await Promise.all([api("GET", "/api/v1/campaigns", token), api("GET", "/api/v1/journeys", token)]);
    const detailBox = el("div", { id: "campaign-detail-box", "aria-live": "polite" });
    async function open(kind, id) {
      try { detailBox.replaceChildren(detail(await api("GET", "/api/v1/" + kind + "/" + encodeURIComponent(id), token))); }
      catch (e) { detailBox.replaceChildren(el("p", { class: "error", role: "alert", text: t("console.error.generic") + " " + e.message })); }
    }
    function table(kind, items) {
      const tb = el("tbody");
      for (const v of items) {
        const f = v.results ? v.results.funnel : null;
        const name = el("a", { href: "#", "data-open": v.id, text: v.name || v.id });
        name.addEventListener("click", (ev) => { ev.preventDefault(); open(kind, v.id); });
        const when = kind === "journeys" ? (v.entry || "") : (v.schedule || "");
        const cell = (x) => el("td", { class: "num", text: f ? fmt(x) : "—" });
        const row = el("tr", { "data-id": v.id, "data-status": v.status }, el("td", {}, name, el("br"), el("code", { text: v.id }),
          el("br"), el("span", { class: "help purpose", text: v.purpose })), el("td", { text: v.channel + (when ? " · " + when : "") }),
          el("td", { class: "status", text: t("console.campaigns.status." + v.status) + (v.invalid ? " ⚠" : "") }),
          cell(f && f.audience), cell(f && f.sent), cell(f && f.delivered), cell(f && f.converted));
        const actions = el("td");
        if (canWrite && !v.invalid) {
          const act = v.status === "active" ? "pause" : "activate";
          const b = el("button", { type: "button", "data-action": act, "data-id": v.id, text: t("console.campaigns." + act) });
          b.onclick = async () => {
            try {
              await api("POST", "/api/v1/" + kind + "/" + encodeURIComponent(v.id) + "/" + act, token);
              await show("campaigns", token, me);
              document.getElementById("campaigns-status").textContent = t("console.campaigns.done." + act) + " " + v.id;
            } catch (e) { status.textContent = t("console.error.generic") + " " + e.message; }
          };
          actions.append(b);
        }
        if (v.dp_budget && !v.results) actions.append(el("span", { class: "help", text: " " + t("console.campaigns.dpbudget") + " " + v.dp_budget }));
        row.append(actions);
        tb.append(row);
      }
      const th = (k, num) => el("th", { scope: "col", class: num ? "num" : "", text: t(k) });
      return el("div", { class: "scroll" }, el("table", { id: kind + "-table" }, el("thead", {}, el("tr", {}, th("console.campaigns.name"),
        th("console.campaigns.channel"), th("console.campaigns.statuscol"), th("console.campaigns.stage.audience", true),
        th("console.campaigns.stage.sent", true), th("console.campaigns.stage.delivered", true), th("console.campaigns.stage.converted", true),
        th("console.campaigns.actions"))), tb));
    }
    root.append(el("h3", { text: t("console.campaigns.campaigns") }));
    root.append(cs.campaigns.length ? table("campaigns", cs.campaigns) : el("p", { id: "campaigns-none", text: t("console.campaigns.none") }));
    root.append(el("h3", { text: t("console.campaigns.journeys") }));
    root.append(js.journeys.length ? table("journeys", js.journeys) : el("p", { id: "journeys-none", text: t("console.campaigns.nojourneys") }));
    root.append(detailBox);
    // The first active journey (else campaign) opens at once: its funnel is what people
    // come to see. A definition whose results spend a privacy budget opens only on request.
    const first = [...js.journeys.map((v) => ["journeys", v]), ...cs.campaigns.map((v) => ["campaigns", v])]
      .find(([, v]) => v.status === "active" && !v.dp_budget && !v.invalid);
    if (first) await open(first[0], first[1].id);

    if (!canWrite) return;
    // Define from JSON: the server checks it strictly and names where each mistake is.
    const kind = el("select", { id: "campaign-kind" }, el("option", { value: "campaigns", text: t("console.campaigns.kind.campaign") }),
      el("option", { value: "journeys", text: t("console.campaigns.kind.journey") }));
    const text = el("textarea", { id: "campaign-definition", rows: "16", spellcheck: "false", "aria-describedby": "campaign-definition-help" });
    text.value = JSON.stringify({ id: "spring-sale", name: "Spring sale", purpose: "marketing.communications", audience: { segment: "repeat_buyers" },
      channel: { type: "webhook" }, content: { plain: { body: "春季促销 Spring sale" } }, schedule: { kind: "once", at: new Date(Date.now() + 3600e3).toISOString().replace(/\.\d+Z$/, "Z") },
      holdout: 0.1, conversion: { event: "Order Completed", window: "7d" } }, null, 2);
    const out = el("div", { id: "campaign-define-out", "aria-live": "polite" });
    const form = el("form", { id: "campaign-form" }, el("label", { for: "campaign-kind", text: t("console.campaigns.kind") }), kind,
      el("label", { for: "campaign-definition", text: t("console.campaigns.definition") }),
      el("p", { id: "campaign-definition-help", class: "help", text: t("console.campaigns.definitionhelp") }), text,
      el("button", { type: "submit", id: "campaign-define", text: t("console.campaigns.define") }));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      // The raw text goes as it is: the server locates mistakes in it (line, column, JSON
      // pointer), which a re-encoding here would move.
      const res = await fetch("/api/v1/" + kind.value + "?lang=" + document.body.dataset.lang,
        { method: "POST", headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json" }, body: text.value });
      const body = await res.json().catch(() => null);
      if (res.ok) {
        await show("campaigns", token, me);
        document.getElementById("campaigns-status").textContent = t("console.campaigns.defined") + " " + body.id;
        return;
      }
      const list = el("ul", { id: "campaign-errors", class: "error", role: "alert" });
      const errs = (body && body.error && body.error.errors) || [];
      for (const e of errs) {
        const where = (e.line ? t("console.campaigns.line") + " " + e.line + ", " + t("console.campaigns.column") + " " + e.column + " · " : "") + (e.pointer || "");
        list.append(el("li", {}, el("code", { text: where }), el("span", { text: " " + e.message })));
      }
      if (!errs.length) list.append(el("li", { text: (body && body.error ? body.error.message : res.statusText) }));
      out.replaceChildren(el("p", { class: "error", text: t("console.campaigns.refused") }), list);
      // Put the cursor where the first located mistake is.
      const e0 = errs[0];
      if (e0 && e0.line) {
        const lines = text.value.split("\n");
        let off = 0;
        for (let i = 0; i < e0.line - 1 && i < lines.length; i++) off += lines[i].length + 1;
        off += Math.max(0, e0.column - 1);
        text.focus();
        text.setSelectionRange(off, off);
      }
    });
    root.append(el("h3", { text: t("console.campaigns.new") }), form, out);
  };
})();
