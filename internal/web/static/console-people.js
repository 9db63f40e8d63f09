// People (issue 18 item 1): find a person by the shop's userId, email or phone (exact
// matches through blind indexes; contact details only with subjects:read), then their page:
// identifiers by kind, contact details (read through the purpose-scoped reader, recorded),
// consent history with each record's kind and method, tags with the facts behind them,
// segments, a timeline of events as the chosen purpose may see them (masked by role, the
// read recorded), rights requests and the audit acts about them. A privacy officer can open
// the person's privacy center for them, giving the reason the person will see.
"use strict";
(function () {
  const { t, api, el } = window.steward;
  const when = (v) => (v ? String(v).slice(0, 16).replace("T", " ") : "—");
  const th = (k) => el("th", { scope: "col", text: t(k) });
  const table = (id, heads, rows) => el("div", { class: "scroll" }, el("table", { id }, el("thead", {}, el("tr", {}, ...heads.map(th))), el("tbody", {}, ...rows)));
  const section = (id, headKey, ...children) => el("section", { id, "aria-labelledby": id + "-h" }, el("h3", { id: id + "-h", text: t(headKey) }), ...children);
  const errorP = (e) => el("p", { class: "error", role: "alert", text: t("console.error.generic") + " " + e.message });

  window.steward.screens.people = async (root, token, me) => {
    const can = (s) => me.scopes.includes(s);
    root.append(el("h2", { text: t("console.people.heading") }));
    const q = el("input", { id: "people-q", type: "search", required: "", maxlength: "256", autocomplete: "off", "aria-describedby": "people-q-help" });
    const form = el("form", { id: "people-form", class: "inline-form", role: "search" },
      el("label", { for: "people-q", text: t("console.people.search") }), q,
      el("button", { type: "submit", id: "people-search", class: "primary", text: t("console.people.find") }));
    const results = el("div", { id: "people-results", "aria-live": "polite" });
    const page = el("div", { id: "person", class: "person" });
    root.append(form, el("p", { id: "people-q-help", class: "help", text: t(can("subjects:read") ? "console.people.searchhelp" : "console.people.searchhelpuser") }), results, page);

    let purposes = [];
    try { purposes = (await api("GET", "/api/v1/taxonomy", token)).purposes; } catch (e) { purposes = []; }
    const purposeName = (k) => { const p = purposes.find((x) => x.key === k); return p ? p.name : k; };

    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      page.replaceChildren();
      try {
        const r = await api("GET", "/api/v1/subjects?q=" + encodeURIComponent(q.value.trim()), token);
        results.replaceChildren();
        if (!r.subjects.length) { results.append(el("p", { id: "people-none", text: t("console.people.none") })); return; }
        const ul = el("ul", { class: "rows", id: "people-list" });
        for (const s of r.subjects) {
          const open = el("button", { type: "button", "data-user": s.user_id, text: t("console.people.open") });
          if (!s.user_id) open.disabled = true;
          open.onclick = () => showPerson(s.user_id);
          ul.append(el("li", { "data-subject": s.subject }, el("span", {}, el("strong", { text: s.user_id || t("console.people.anonymous") }), el("br"),
            el("span", { class: "help", text: t("console.people.matched." + s.matched) + " · " + s.subject })), open));
        }
        results.append(ul);
        if (r.subjects.length === 1 && r.subjects[0].user_id) await showPerson(r.subjects[0].user_id);
      } catch (e) { results.replaceChildren(errorP(e)); }
    });

    async function showPerson(userID) {
      page.replaceChildren(el("p", { text: t("console.people.loading") }));
      const enc = encodeURIComponent(userID);
      let p;
      try { p = await api("GET", "/api/v1/subjects/" + enc + "/person", token); } catch (e) { page.replaceChildren(errorP(e)); return; }
      page.replaceChildren(el("div", { class: "person-head" }, el("h3", { id: "person-user", text: p.user_id }), el("span", { class: "help", id: "person-subject", text: p.subject })));

      const ids = el("dl", { class: "facts" });
      for (const k of ["user_id", "anonymous_id", "email", "phone"]) {
        ids.append(el("dt", { text: t("console.people.kind." + k) }), el("dd", { "data-kind": k, text: String((p.identities || {})[k] || 0) }));
      }
      page.append(section("person-identities", "console.people.identities", el("p", { class: "help", text: t("console.people.identitieshelp") }), ids));
      if (p.contact) {
        const c = el("dl", { class: "facts" });
        for (const k of ["name", "email", "phone"]) c.append(el("dt", { text: t("console.people.contact." + k) }), el("dd", { id: "contact-" + k, text: p.contact[k] || "—" }));
        page.append(section("person-contact", "console.people.contact", el("p", { class: "help", text: t("console.people.contacthelp") }), c));
      }

      if (can("sessions:write")) {
        const reason = el("input", { id: "session-reason", maxlength: "200", "aria-describedby": "session-help" });
        if (me.operator.role === "privacy_officer") reason.required = true;
        const out = el("div", { id: "session-out", "aria-live": "polite" });
        const f = el("form", { id: "session-form", class: "inline-form" }, el("label", { for: "session-reason", text: t("console.people.sessionreason") }), reason,
          el("button", { type: "submit", id: "session-mint", text: t("console.people.sessionmint") }));
        f.addEventListener("submit", async (ev) => {
          ev.preventDefault();
          try {
            const s = await api("POST", "/api/v1/subjects/" + enc + "/sessions", token, reason.value.trim() ? { reason: reason.value.trim() } : {});
            out.replaceChildren(el("p", { text: t("console.people.sessionmade") + " " + when(s.expires_at) + " UTC" }),
              el("a", { id: "session-url", href: s.url, target: "_blank", rel: "noopener noreferrer", text: t("console.people.sessionopen") }));
          } catch (e) { out.replaceChildren(errorP(e)); }
        });
        page.append(section("person-session", "console.people.session", el("p", { class: "help", id: "session-help", text: t("console.people.sessionhelp") }), f, out));
      }

      if (can("consent:read")) {
        const box = section("person-consent", "console.people.consent");
        page.append(box);
        try {
          const c = await api("GET", "/api/v1/subjects/" + enc + "/consent", token);
          const rows = (c.records || []).slice().reverse().map((r) => el("tr", { "data-purpose": r.purpose },
            el("td", { text: purposeName(r.purpose) }), el("td", { text: t(r.granted ? "console.consent.granted" : "console.consent.withdrawn") }),
            el("td", { text: r.kind ? t("console.people.receipt." + r.kind) : "—" }), el("td", { text: r.method }), el("td", { text: r.notice_version || "—" }), el("td", { text: when(r.at) })));
          box.append(rows.length ? table("consent-history", ["console.consent.purpose", "console.consent.state", "console.people.receiptkind", "console.consent.method", "console.people.notice", "console.consent.when"], rows)
            : el("p", { text: t("console.people.noconsent") }));
        } catch (e) { box.append(errorP(e)); }
      }

      if (p.tags) {
        const ul = el("ul", { class: "rows", id: "person-tag-list" });
        for (const g of p.tags) {
          const ev = el("ul", { class: "evidence" });
          for (const x of g.evidence || []) ev.append(el("li", { text: x.what + ": " + x.value }));
          ul.append(el("li", { "data-tag": g.name }, el("div", {}, el("strong", { text: g.label }), " ", el("code", { text: g.name }),
            el("p", { text: t("console.people.usedfor") + " " + g.purpose_name + " · " + t("console.people.expires") + " " + when(g.expires_at) }), ev)));
        }
        if (!p.tags.length) ul.append(el("li", { text: t("console.people.notags") }));
        const del = (p.deleted_tags || []).map((d) => el("span", { class: "tag", "data-deleted": d.name, text: d.label }));
        page.append(section("person-tags", "console.people.tags", ul, del.length ? el("p", {}, t("console.people.deletedtags") + " ", ...del) : null));
      }
      if (p.segments) {
        page.append(section("person-segments", "console.people.segments", p.segments.length ? el("p", { id: "person-segment-list" }, ...p.segments.map((s) => el("span", { class: "tag", text: s })))
          : el("p", { text: t("console.people.nosegments") })));
      }

      if (can("profiles:read")) {
        const sel = el("select", { id: "timeline-purpose" });
        for (const pp of purposes) sel.append(el("option", { value: pp.key, text: pp.name }));
        sel.value = purposes.some((x) => x.key === "analytics.reporting") ? "analytics.reporting" : (purposes[0] || {}).key;
        const out = el("div", { id: "timeline-out", "aria-live": "polite" });
        const f = el("form", { id: "timeline-form", class: "inline-form" }, el("label", { for: "timeline-purpose", text: t("console.people.timelinepurpose") }), sel,
          el("button", { type: "submit", id: "timeline-show", text: t("console.people.timelineshow") }));
        f.addEventListener("submit", async (ev) => {
          ev.preventDefault();
          try {
            const d = await api("GET", "/api/v1/subjects/" + enc + "/events?purpose=" + encodeURIComponent(sel.value), token);
            const rows = d.events.slice(-200).reverse().map((e) => {
              const w = Object.entries(e.withheld || {}).map(([k, n]) => t("console.people.withheld." + k) + " " + n).join(" · ");
              return el("tr", { "data-seq": String(e.seq) }, el("td", { text: when(e.occurred_at) }), el("td", { text: e.name || e.type }),
                el("td", {}, el("code", { text: JSON.stringify(e.fields) })), el("td", { text: w || "—" }));
            });
            out.replaceChildren(el("p", { id: "timeline-note", class: "help", text: t(d.identifiers_in_clear ? "console.people.clear" : "console.people.masked") + " " + t("console.people.recorded") }),
              rows.length ? table("timeline", ["console.people.when", "console.people.event", "console.people.fields", "console.people.withheld"], rows) : el("p", { text: t("console.people.noevents") }));
          } catch (e) { out.replaceChildren(errorP(e)); }
        });
        page.append(section("person-timeline", "console.people.timeline", el("p", { class: "help", text: t("console.people.timelinehelp") }), f, out));
      }

      if (p.requests) {
        const rows = p.requests.map((r) => el("tr", { "data-request": r.id }, el("td", { text: r.type }), el("td", { text: r.state }), el("td", { text: r.jurisdiction }),
          el("td", { text: when(r.deadline) + (r.overdue ? " (" + t("console.rights.overdue") + ")" : "") }), el("td", { text: when(r.received_at) })));
        page.append(section("person-requests", "console.people.requests", rows.length ? table("person-requests-table",
          ["console.rights.type", "console.rights.state", "console.people.jurisdiction", "console.rights.deadline", "console.rights.received"], rows) : el("p", { text: t("console.people.norequests") })));
      }
      if (p.audit) {
        const rows = p.audit.map((a) => el("tr", { "data-leaf": String(a.index) }, el("td", { text: String(a.index) }), el("td", { text: when(a.time) }),
          el("td", { text: t("console.people.act." + a.act) === "console.people.act." + a.act ? a.act : t("console.people.act." + a.act) }),
          el("td", { text: a.purpose ? purposeName(a.purpose) : "—" }), el("td", { text: a.actor })));
        page.append(section("person-audit", "console.people.audit", rows.length ? table("person-audit-table",
          ["console.people.leaf", "console.people.when", "console.people.act", "console.consent.purpose", "console.people.actor"], rows) : el("p", { text: t("console.people.noaudit") })));
      }
    }
  };
})();
