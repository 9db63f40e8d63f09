// The console: sign in with an operator token, then show the screens whose capability
// GET /api/v1/whoami lists. A screen is one entry in `screens`: the built-in ones are here;
// a capability of its own adds static/console-<name>.js, which registers
// window.steward.screens[<name>] = async (root, token, me, show) => {…}, and its strings in
// i18n/<lang>.<name>.json. Pages load those scripts after this one, before it starts.
"use strict";
(function () {
  const { t, api, el } = window.steward;
  const KEY = "steward.console.token";
  window.steward.screens = window.steward.screens || {};
  const builtin = {
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
    // Tags: every definition with its coverage, how many people deleted it, when the next
    // value expires; define one from JSON (refusals are shown as the server words them,
    // e.g. a marketing tag on a sensitive category); recompute everything now.
    tags: async (root, token, me) => {
      root.append(el("h2", { text: t("console.tags.heading") }));
      const data = await api("GET", "/api/v1/tags", token);
      const canWrite = me.scopes.includes("tags:write");
      const status = el("p", { id: "tags-status", role: "status" });
      if (canWrite) {
        const refresh = el("button", { type: "button", id: "tags-refresh", text: t("console.tags.refresh") });
        refresh.onclick = async () => {
          try {
            const r = await api("POST", "/api/v1/profiles/refresh", token);
            await show("tags", token, me);
            document.getElementById("tags-status").textContent = t("console.tags.refreshed") + " " + r.took_ms + " ms";
          } catch (e) { status.textContent = t("console.error.generic") + " " + e.message; }
        };
        root.append(el("p", {}, refresh), status);
      }
      const tb = el("tbody");
      const when = (v) => (v ? String(v).slice(0, 16).replace("T", " ") : "—");
      for (const g of data.tags) {
        const def = g.kind === "rule" ? g.expression : (g.kind === "statistical" ? g.measure + " ≥ p" + Math.round((g.quantile || 0) * 100) : t("console.tags.model"));
        const row = el("tr", { "data-tag": g.name }, el("td", {}, el("strong", { text: g.name }), el("br"), el("code", { text: def })),
          el("td", { text: g.kind }), el("td", { text: g.purpose }), el("td", { text: (g.categories || []).join(", ") }),
          el("td", { class: "num", text: String(g.coverage) }), el("td", { class: "num", text: String(g.deleted_by) }),
          el("td", { text: g.ttl + " / " + g.refresh }), el("td", { text: when(g.next_expiry) }), el("td", { text: when(g.last_refresh) }),
          el("td", { text: t(g.user_visible ? "console.tags.visible" : "console.tags.hidden") + (g.deletable ? " · " + t("console.tags.deletable") : "") }),
          el("td", { text: g.origin }));
        if (canWrite && g.origin === "api") {
          const del = el("button", { type: "button", "data-delete-tag": g.name, text: t("console.tags.remove") });
          del.onclick = async () => {
            try { await api("DELETE", "/api/v1/tags/" + encodeURIComponent(g.name), token); await show("tags", token, me); }
            catch (e) { status.textContent = t("console.error.generic") + " " + e.message; }
          };
          row.lastChild.append(" ", del);
        }
        tb.append(row);
      }
      const th = (k) => el("th", { scope: "col", text: t(k) });
      root.append(el("div", { class: "scroll" }, el("table", { id: "tags-table" }, el("thead", {}, el("tr", {}, th("console.tags.name"), th("console.tags.kind"),
        th("console.tags.purpose"), th("console.tags.categories"), th("console.tags.coverage"), th("console.tags.deletedby"),
        th("console.tags.ttl"), th("console.tags.nextexpiry"), th("console.tags.lastrefresh"), th("console.tags.people"), th("console.tags.origin"))), tb)));
      if (!canWrite) return;
      const example = { name: "weekend_browser", kind: "rule", expression: "count(\"Product Viewed\", 30d) >= 3", categories: ["user.behavior.browsing_history"],
        purpose: "personalize.content", ttl: "30d", refresh: "1h", user_visible: true, deletable: true,
        label: { en: "Browses often", "zh-CN": "经常浏览" }, explain: { en: "You viewed at least three products in 30 days.", "zh-CN": "您在 30 天内浏览了至少三件商品。" } };
      const text = el("textarea", { id: "tag-definition", rows: "14", spellcheck: "false", "aria-describedby": "tag-definition-help" });
      text.value = JSON.stringify(example, null, 2);
      const out = el("div", { id: "tag-define-out", "aria-live": "polite" });
      const form = el("form", { id: "tag-form" }, el("label", { for: "tag-definition", text: t("console.tags.definition") }),
        el("p", { id: "tag-definition-help", class: "help", text: t("console.tags.definitionhelp") }), text,
        el("button", { type: "submit", id: "tag-define", text: t("console.tags.define") }));
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        let def;
        try { def = JSON.parse(text.value); } catch (e) { out.replaceChildren(el("p", { class: "error", role: "alert", text: t("console.tags.badjson") + " " + e.message })); return; }
        try {
          const v = await api("POST", "/api/v1/tags", token, def);
          await show("tags", token, me);
          document.getElementById("tags-status").textContent = t("console.tags.defined") + " " + v.name;
        } catch (e) { out.replaceChildren(el("p", { class: "error", role: "alert", id: "tag-refusal", text: e.message })); }
      });
      root.append(el("h3", { text: t("console.tags.new") }), form, out);
    },
    // Segments: size, what was excluded and why (counts only, never who), the size each
    // marketing purpose would give, a preview and a define form with located errors.
    segments: async (root, token, me) => {
      root.append(el("h2", { text: t("console.segments.heading") }));
      const [data, tax] = await Promise.all([api("GET", "/api/v1/segments", token), api("GET", "/api/v1/taxonomy", token)]);
      const canWrite = me.scopes.includes("segments:write");
      const status = el("p", { id: "segments-status", role: "status" });
      root.append(status);
      const reasons = (excluded, matches) => {
        const ul = el("ul", { class: "bars" });
        for (const x of excluded || []) {
          const pct = matches ? Math.round((x.count / matches) * 100) : 0;
          const bar = el("span", { class: "bar-fill" });
          bar.style.width = pct + "%";
          ul.append(el("li", { "data-reason": x.reason }, el("span", { class: "reason", text: t("console.segments.reason." + x.reason) }),
            el("span", { class: "bar-track", role: "img", "aria-label": x.count + " / " + matches }, bar), el("span", { class: "num", text: String(x.count) })));
        }
        return ul;
      };
      if (!data.segments.length) root.append(el("p", { id: "segments-none", text: t("console.segments.none") }));
      const list = el("div", { id: "segments-list" });
      for (const sg of data.segments) {
        const card = el("article", { class: "segment", "data-segment": sg.name },
          el("h3", { text: sg.name }), el("p", {}, el("code", { text: sg.expression })),
          el("dl", {},
            el("dt", { text: t("console.segments.purpose") }), el("dd", { text: sg.purpose + (sg.advertising ? " (" + t("console.segments.advertising") + ")" : "") }),
            el("dt", { text: t("console.segments.matches") }), el("dd", { class: "matches", text: String(sg.matches) }),
            el("dt", { text: t("console.segments.size") }), el("dd", { class: "size", text: String(sg.size) }),
            el("dt", { text: t("console.segments.exportable") }), el("dd", { text: t(sg.exportable ? "console.segments.yes" : "console.segments.no") + " (k = " + sg.min_audience + ")" })),
          el("h4", { text: t("console.segments.excluded") }), reasons(sg.excluded, sg.matches));
        const bt = el("tbody");
        for (const b of sg.by_purpose || []) {
          bt.append(el("tr", { "data-purpose": b.purpose }, el("td", { text: b.purpose }), el("td", { class: "num", text: String(b.size) }),
            el("td", { text: (b.excluded || []).filter((x) => x.count).map((x) => t("console.segments.reason." + x.reason) + " " + x.count).join(" · ") || "—" })));
        }
        card.append(el("h4", { text: t("console.segments.bypurpose") }), el("table", { class: "by-purpose" }, el("thead", {}, el("tr", {},
          el("th", { scope: "col", text: t("console.segments.purpose") }), el("th", { scope: "col", text: t("console.segments.size") }),
          el("th", { scope: "col", text: t("console.segments.excluded") }))), bt));
        if (canWrite) {
          const del = el("button", { type: "button", "data-delete-segment": sg.name, text: t("console.segments.remove") });
          del.onclick = async () => {
            try { await api("DELETE", "/api/v1/segments/" + encodeURIComponent(sg.name), token); await show("segments", token, me); }
            catch (e) { status.textContent = t("console.error.generic") + " " + e.message; }
          };
          card.append(el("p", {}, del));
        }
        list.append(card);
      }
      root.append(list);

      // Marketing and targeting purposes first: those are what segments are activated for.
      const ordered = [...tax.purposes].sort((a, b) => Number(b.marketing || b.targeting) - Number(a.marketing || a.targeting));
      const purposeSelect = (id) => {
        const s = el("select", { id });
        for (const p of ordered) s.append(el("option", { value: p.key, text: p.name.replace(/ /g, "_") === p.key ? p.key : p.name + " (" + p.key + ")" }));
        return s;
      };
      const expr = el("textarea", { id: "segment-expression", rows: "3", spellcheck: "false", required: "" });
      expr.value = 'tag("repeat_buyer") and count("Product Viewed", 30d) >= 2';
      const purpose = purposeSelect("segment-purpose");
      const name = el("input", { id: "segment-name", maxlength: "64", pattern: "[a-z][a-z0-9_]*" });
      const out = el("div", { id: "segment-out", "aria-live": "polite" });
      const err = (e) => out.replaceChildren(el("p", { class: "error", role: "alert", id: "segment-error", text: e.message }));
      const preview = el("button", { type: "button", id: "segment-preview", text: t("console.segments.preview") });
      preview.onclick = async () => {
        try {
          const p = await api("POST", "/api/v1/segments/preview", token, { expression: expr.value, purpose: purpose.value });
          out.replaceChildren(el("p", { id: "preview-counts", text: t("console.segments.matches") + " " + p.matches + " · " + t("console.segments.size") + " " + p.size }),
            reasons(p.excluded, p.matches));
        } catch (e) { err(e); }
      };
      const form = el("form", { id: "segment-form" },
        el("label", { for: "segment-expression", text: t("console.segments.expression") }),
        el("p", { class: "help", text: t("console.segments.expressionhelp") }), expr,
        el("label", { for: "segment-purpose", text: t("console.segments.purpose") }), purpose,
        el("label", { for: "segment-name", text: t("console.segments.name") }), name,
        el("p", {}, preview, " ", canWrite ? el("button", { type: "submit", id: "segment-define", text: t("console.segments.define") }) : null));
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        if (!canWrite) return;
        try {
          await api("POST", "/api/v1/segments", token, { name: name.value, expression: expr.value, purpose: purpose.value });
          await show("segments", token, me);
          document.getElementById("segments-status").textContent = t("console.segments.defined") + " " + name.value;
        } catch (e) { err(e); }
      });
      root.append(el("h3", { text: t("console.segments.new") }), form, out);
    },
  };

  // Registered screens join the built-in ones when the console starts or shows a screen:
  // a deferred script runs while readyState is already "interactive", so this one may run
  // before the screen scripts after it have registered.
  const screens = builtin;
  const registered = () => Object.assign(screens, window.steward.screens);

  async function show(name, token, me) {
    registered();
    const root = document.getElementById("screen");
    root.replaceChildren();
    for (const a of document.querySelectorAll("#nav-list a")) {
      if (a.dataset.screen === name) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    }
    try { await screens[name](root, token, me, show); }
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
    registered();
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

  function init() {
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
  }
  // Deferred scripts run in order, with readyState "interactive", before DOMContentLoaded.
  if (document.readyState !== "complete") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
