// The console: sign in with an operator token, then show the screens whose capability
// GET /api/v1/whoami lists. A screen is one entry in `screens`: adding one is a function
// here plus its strings in the catalogues.
"use strict";
(function () {
  const { t, api, el } = window.steward;
  const KEY = "steward.console.token";
  const screens = {
    overview: async (root, token, me) => {
      root.append(el("h2", { text: t("console.overview.heading") }));
      let healthy = false;
      try { healthy = (await fetch("/healthz")).ok; } catch (e) { healthy = false; }
      const dl = el("dl", { id: "overview" },
        el("dt", { text: t("console.overview.health") }), el("dd", { id: "health", text: t(healthy ? "console.overview.healthy" : "console.overview.unhealthy") }),
        el("dt", { text: t("console.overview.signedin") }), el("dd", { id: "operator-name", text: me.operator.name }),
        el("dt", { text: t("console.overview.role") }), el("dd", { id: "operator-role", text: me.operator.role }),
        el("dt", { text: t("console.overview.scopes") }), el("dd", { text: me.scopes.join(", ") }));
      root.append(dl);
    },
    sources: async (root, token) => {
      root.append(el("h2", { text: t("console.sources.heading") }));
      const data = await api("GET", "/api/v1/sources", token);
      const tbody = el("tbody");
      for (const s of data.sources) {
        tbody.append(el("tr", {}, el("td", { text: s.name }), el("td", { text: s.id }), el("td", { text: s.created_at })));
      }
      root.append(el("table", { id: "sources-table" }, el("thead", {}, el("tr", {},
        el("th", { scope: "col", text: t("console.sources.name") }), el("th", { scope: "col", text: t("console.sources.id") }),
        el("th", { scope: "col", text: t("console.sources.created") }))), tbody));
      const form = el("form", { id: "source-form" },
        el("label", { for: "source-name", text: t("console.sources.name") }),
        el("input", { id: "source-name", required: "", maxlength: "100" }),
        el("button", { type: "submit", id: "source-create", text: t("console.sources.create") }));
      const out = el("div", { id: "source-created", "aria-live": "polite" });
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        try {
          const res = await api("POST", "/api/v1/sources", token, { name: form.querySelector("input").value });
          out.replaceChildren(el("p", { text: t("console.sources.newkey") }), el("code", { class: "secret", id: "write-key", text: res.write_key }));
        } catch (e) { out.replaceChildren(el("p", { class: "error", role: "alert", text: t("console.error.generic") + " " + e.message })); }
      });
      root.append(form, out);
    },
    operators: async (root, token) => {
      root.append(el("h2", { text: t("console.operators.heading") }));
      const data = await api("GET", "/api/v1/operators", token);
      const ul = el("ul", { class: "rows", id: "operators-list" });
      for (const o of data.operators) ul.append(el("li", {}, el("span", { text: o.name }), el("span", { text: o.role })));
      root.append(ul);
    },
    privacy_manifest: async (root, token) => {
      root.append(el("h2", { text: t("console.manifest.heading") }));
      const [cur, vers, tax] = await Promise.all([api("GET", "/api/v1/manifest", token), api("GET", "/api/v1/manifest/versions", token), api("GET", "/api/v1/taxonomy", token)]);
      root.append(el("p", { id: "manifest-inforce", text: t("console.manifest.inforce") + " " + cur.seq + " · " + cur.hash.slice(0, 12) }));
      const vt = el("tbody");
      for (const v of vers.versions) vt.append(el("tr", {}, el("td", { text: String(v.seq) }), el("td", { text: v.created_at }), el("td", { text: v.actor })));
      root.append(el("h3", { text: t("console.manifest.versions") }), el("table", { id: "manifest-versions" }, el("thead", {}, el("tr", {},
        el("th", { scope: "col", text: t("console.manifest.version") }), el("th", { scope: "col", text: t("console.manifest.created") }),
        el("th", { scope: "col", text: t("console.manifest.actor") }))), vt));
      const opts = (id) => { const s = el("select", { id }); for (const v of vers.versions) s.append(el("option", { value: String(v.seq), text: String(v.seq) })); return s; };
      const from = opts("diff-from"), to = opts("diff-to");
      if (vers.versions.length > 1) from.value = String(vers.versions[1].seq);
      const out = el("ul", { id: "diff-out", class: "rows", "aria-live": "polite" });
      const form = el("form", { id: "diff-form" }, el("label", { for: "diff-from", text: t("console.manifest.from") }), from,
        el("label", { for: "diff-to", text: t("console.manifest.to") }), to, el("button", { type: "submit", id: "diff-run", text: t("console.manifest.diff") }));
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        const d = await api("GET", "/api/v1/manifest/diff?from=" + from.value + "&to=" + to.value, token);
        out.replaceChildren();
        if (!d.changes.length) out.append(el("li", { text: t("console.manifest.nochanges") }));
        for (const c of d.changes) out.append(el("li", { class: "change-" + c.kind }, el("code", { text: c.kind + " " + c.path }), el("span", { text: (c.from || "∅") + " → " + (c.to || "∅") })));
      });
      root.append(el("h3", { text: t("console.manifest.diff") }), form, out);
      const pt = el("tbody");
      for (const p of tax.purposes) pt.append(el("tr", {}, el("td", { text: p.name }), el("td", { text: p.basis }), el("td", { text: String(p.retention_days) }), el("td", { text: p.statement })));
      root.append(el("h3", { text: t("console.manifest.purposes") }), el("table", { id: "purposes-table" }, el("thead", {}, el("tr", {},
        el("th", { scope: "col", text: t("console.manifest.purpose") }), el("th", { scope: "col", text: t("console.manifest.basis") }),
        el("th", { scope: "col", text: t("console.manifest.retention") }), el("th", { scope: "col", text: t("console.manifest.statement") }))), pt));
      root.append(el("h3", { text: t("console.manifest.yaml") }), el("pre", { id: "manifest-yaml", text: cur.yaml }));
    },
    consent: async (root, token) => {
      root.append(el("h2", { text: t("console.consent.heading") }), el("h3", { text: t("console.consent.rates") }));
      const rates = await api("GET", "/api/v1/consent/rates?days=30", token);
      const charts = el("div", { id: "consent-charts" });
      const keys = Object.keys(rates.purposes).sort();
      if (!keys.length) charts.append(el("p", { text: t("console.consent.none") }));
      const NS = "http://www.w3.org/2000/svg";
      for (const k of keys) {
        const days = rates.purposes[k];
        const max = Math.max(1, ...days.map((d) => Math.max(d.granted, d.withdrawn)));
        const w = 300, h = 80, bw = Math.max(2, Math.floor(w / Math.max(days.length, 1) / 2) - 1);
        const svg = document.createElementNS(NS, "svg");
        svg.setAttribute("viewBox", "0 0 " + w + " " + h); svg.setAttribute("width", w); svg.setAttribute("height", h);
        svg.setAttribute("role", "img"); svg.setAttribute("data-purpose", k);
        const total = days.reduce((a, d) => [a[0] + d.granted, a[1] + d.withdrawn], [0, 0]);
        svg.setAttribute("aria-label", k + ": " + total[0] + " " + t("console.consent.granted") + ", " + total[1] + " " + t("console.consent.withdrawn"));
        days.forEach((d, i) => {
          [[d.granted, "#1a7f37", 0], [d.withdrawn, "#b3261e", bw + 1]].forEach(([v, color, off]) => {
            const r = document.createElementNS(NS, "rect");
            const bh = Math.round((v / max) * (h - 4));
            r.setAttribute("x", i * (2 * bw + 2) + off); r.setAttribute("y", h - bh); r.setAttribute("width", bw); r.setAttribute("height", bh);
            r.setAttribute("fill", color);
            const tt = document.createElementNS(NS, "title"); tt.textContent = d.day + ": " + v; r.append(tt);
            svg.append(r);
          });
        });
        charts.append(el("figure", {}, svg, el("figcaption", { text: k + " — " + total[0] + " " + t("console.consent.granted") + " / " + total[1] + " " + t("console.consent.withdrawn") })));
      }
      root.append(charts);
      const uid = el("input", { id: "ledger-user", required: "" }), at = el("input", { id: "ledger-at", type: "datetime-local" });
      const out = el("div", { id: "ledger-out", "aria-live": "polite" });
      const form = el("form", { id: "ledger-form" }, el("label", { for: "ledger-user", text: t("console.consent.userid") }), uid,
        el("label", { for: "ledger-at", text: t("console.consent.at") }), at, el("button", { type: "submit", id: "ledger-find", text: t("console.consent.find") }));
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        try {
          const q = at.value ? "?at=" + encodeURIComponent(new Date(at.value).toISOString().replace(/\.\d+Z$/, "Z")) : "";
          const d = await api("GET", "/api/v1/subjects/" + encodeURIComponent(uid.value) + "/consent" + q, token);
          const tb = el("tbody");
          for (const r of d.records || []) tb.append(el("tr", {}, el("td", { text: r.purpose }), el("td", { text: r.granted ? t("console.consent.granted") : t("console.consent.withdrawn") }),
            el("td", { text: r.method }), el("td", { text: r.at })));
          out.replaceChildren(el("table", { id: "ledger-table" }, el("thead", {}, el("tr", {}, el("th", { scope: "col", text: t("console.consent.purpose") }),
            el("th", { scope: "col", text: t("console.consent.state") }), el("th", { scope: "col", text: t("console.consent.method") }),
            el("th", { scope: "col", text: t("console.consent.when") }))), tb));
        } catch (e) { out.replaceChildren(el("p", { class: "error", role: "alert", text: t("console.error.generic") + " " + e.message })); }
      });
      root.append(el("h3", { text: t("console.consent.search") }), form, out);
    },
    rights: async (root, token) => {
      root.append(el("h2", { text: t("console.rights.heading") }));
      const q = await api("GET", "/api/v1/rights-requests", token);
      const detail = el("div", { id: "request-detail", "aria-live": "polite" });
      if (!q.requests.length) { root.append(el("p", { text: t("console.rights.none") })); return; }
      const tb = el("tbody");
      for (const r of q.requests) {
        const flag = r.overdue ? t("console.rights.overdue") : (r.due_soon ? t("console.rights.duesoon") : "");
        const open = el("a", { href: "#", "data-request": r.id, text: r.id });
        open.addEventListener("click", async (ev) => { ev.preventDefault(); await showRequest(r.id); });
        tb.append(el("tr", { class: r.overdue ? "overdue" : "" }, el("td", {}, open), el("td", { text: r.type }), el("td", { text: r.state }),
          el("td", { text: r.deadline.slice(0, 10) + (flag ? " (" + flag + ")" : "") }), el("td", { text: r.received_at.slice(0, 16) })));
      }
      root.append(el("table", { id: "requests-table" }, el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "id" }),
        el("th", { scope: "col", text: t("console.rights.type") }), el("th", { scope: "col", text: t("console.rights.state") }),
        el("th", { scope: "col", text: t("console.rights.deadline") }), el("th", { scope: "col", text: t("console.rights.received") }))), tb), detail);
      async function showRequest(id) {
        const r = await api("GET", "/api/v1/rights-requests/" + encodeURIComponent(id), token);
        const steps = el("ol", { id: "request-steps" });
        for (const s of r.steps || []) steps.append(el("li", { text: s.at.slice(0, 16) + " " + s.state + " — " + s.actor + (s.note ? ": " + s.note : "") }));
        const reason = el("input", { id: "step-reason" });
        const act = (state) => async () => {
          try { await api("POST", "/api/v1/rights-requests/" + encodeURIComponent(id) + "/steps", token, { state, reason: reason.value }); await show("rights", token); }
          catch (e) { detail.append(el("p", { class: "error", role: "alert", text: t("console.error.generic") + " " + e.message })); }
        };
        const buttons = el("p", {});
        if (r.state === "verified") buttons.append(el("button", { type: "button", id: "step-start", text: t("console.rights.start") }));
        if (r.state === "verified" || r.state === "in_progress") {
          buttons.append(el("button", { type: "button", id: "step-done", text: t("console.rights.done") }), el("button", { type: "button", id: "step-refuse", text: t("console.rights.refuse") }));
        }
        detail.replaceChildren(el("h3", { text: r.type + " · " + r.state }), el("h4", { text: t("console.rights.steps") }), steps,
          el("label", { for: "step-reason", text: t("console.rights.reason") }), reason, buttons);
        const b = (sel, st) => { const x = detail.querySelector(sel); if (x) x.onclick = act(st); };
        b("#step-start", "in_progress"); b("#step-done", "done"); b("#step-refuse", "refused");
      }
    },
  };

  async function show(name, token, me) {
    const root = document.getElementById("screen");
    root.replaceChildren();
    for (const a of document.querySelectorAll("#nav-list a")) {
      if (a.dataset.screen === name) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    }
    try { await screens[name](root, token, me); }
    catch (e) { root.append(el("p", { class: "error", role: "alert", text: t("console.error.generic") + " " + e.message })); }
  }

  async function start(token) {
    const err = document.getElementById("signin-error");
    let me;
    try { me = await api("GET", "/api/v1/whoami?signin=" + (sessionStorage.getItem(KEY) === token ? "0" : "1"), token); }
    catch (e) {
      sessionStorage.removeItem(KEY);
      err.textContent = e.status === 401 ? t("console.error.auth") : t("console.error.generic") + " " + e.message;
      err.hidden = false;
      return;
    }
    sessionStorage.setItem(KEY, token);
    document.getElementById("signin").hidden = true;
    document.getElementById("app").hidden = false;
    const list = document.getElementById("nav-list");
    list.replaceChildren();
    const avail = me.capabilities.filter((c) => screens[c]);
    for (const c of avail) {
      const a = el("a", { href: "#" + c, "data-screen": c, id: "nav-" + c, text: t("console.nav." + c) });
      a.addEventListener("click", (ev) => { ev.preventDefault(); show(c, token, me); });
      list.append(el("li", {}, a));
    }
    show(avail[0] || "overview", token, me);
  }

  document.getElementById("signin-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    start(document.getElementById("token").value.trim());
  });
  document.getElementById("signout").addEventListener("click", () => {
    sessionStorage.removeItem(KEY);
    location.reload();
  });
  const saved = sessionStorage.getItem(KEY);
  if (saved) start(saved);
})();
