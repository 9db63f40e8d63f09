// The privacy center: a subject's own view of their data, consents, tags and requests.
// The session token arrives in the fragment, moves to sessionStorage and leaves the URL.
//
// GET /api/v1/me lists the sections to show, in order. The built-in ones render into the
// page's own <section> elements; a section of its own file (static/privacy-<name>.js, run
// after this one but before the page starts, strings in i18n/<lang>.<name>.json) registers
//   window.steward.sections[<id>] = async (root, section, ctx) => {…}
// where root is a <section id="<id>" aria-labelledby="<id>-h"> made for it in the server's
// order (the section draws its own <h2 id="<id>-h"> and redraws itself), section is
// the server's section object and ctx is {token, act(method, path, body), fail(e), reload()}.
"use strict";
(function () {
  const { t, api, el } = window.steward;
  window.steward.sections = window.steward.sections || {};
  const KEY = "steward.privacy.token";
  const m = /(?:^|&)token=([^&]+)/.exec(location.hash.slice(1));
  if (m) {
    sessionStorage.setItem(KEY, decodeURIComponent(m[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
  const token = sessionStorage.getItem(KEY);
  const errBox = document.getElementById("error");
  function fail(e) {
    errBox.textContent = e.status === 401 ? t("privacy.error.auth") : t("privacy.error.generic") + " " + e.message;
    errBox.hidden = false;
  }

  const render = {
    personalisation(s) {
      document.getElementById("personalisation-state").textContent = t(s.on ? "privacy.personalisation.on" : "privacy.personalisation.off");
      const b = document.getElementById("personalisation-toggle");
      b.textContent = t(s.on ? "privacy.personalisation.turnoff" : "privacy.personalisation.turnon");
      b.onclick = () => act("POST", "/api/v1/me/personalisation", { on: !s.on });
    },
    consent(s) {
      const ul = document.getElementById("consent-list");
      ul.replaceChildren();
      for (const p of s.purposes) {
        const info = el("div", {}, el("strong", { text: p.name }), el("p", { text: p.statement }));
        let control;
        if (p.separate && (p.recipients || []).length) {
          // A separate consent is given per recipient, each named with how to reach it, what
          // it receives and how (PIPL Arts. 23, 39); withdrawing is one click too.
          const rl = el("ul", { class: "recipients" });
          for (const rc of p.recipients) {
            const details = [rc.contact, (rc.categories || []).join(", "), rc.method, (rc.countries || []).join(", ")].filter(Boolean).join(" · ");
            const b = el("button", { type: "button", "data-recipient": rc.name, "aria-pressed": String(rc.granted),
              "aria-label": (rc.granted ? t("privacy.consent.withdraw") : t("privacy.consent.allow")) + ": " + p.name + " — " + rc.name,
              text: rc.granted ? t("privacy.consent.withdraw") : t("privacy.consent.allow") });
            b.onclick = () => act("POST", "/api/v1/me/consents", { purpose: p.key, granted: !rc.granted, recipient: rc.name });
            rl.append(el("li", { "data-recipient": rc.name }, el("strong", { text: rc.name }), el("span", { text: " " + details + " " }), b));
          }
          info.append(el("p", { text: t("privacy.consent.separate") }), rl);
          control = el("span", {});
        } else if (!p.needs_consent) {
          control = el("span", { text: t("privacy.consent.contract") });
        } else {
          control = el("button", { type: "button", id: "consent-" + p.key.replace(/\W/g, "-"), "aria-pressed": String(p.granted),
            "aria-label": (p.granted ? t("privacy.consent.withdraw") : t("privacy.consent.allow")) + ": " + p.name,
            text: p.granted ? t("privacy.consent.withdraw") : t("privacy.consent.allow") });
          control.onclick = () => act("POST", "/api/v1/me/consents", { purpose: p.key, granted: !p.granted });
        }
        ul.append(el("li", { "data-purpose": p.key }, info,
          el("span", { class: "state", text: p.needs_consent ? t(p.granted ? "privacy.consent.granted" : "privacy.consent.withdrawn") : "" }), control));
      }
    },
    data(s) {
      const tbody = document.querySelector("#data-table tbody");
      tbody.replaceChildren();
      for (const c of s.categories) {
        tbody.append(el("tr", {}, el("td", { text: c.name }), el("td", { text: (c.purposes || []).join(", ") }),
          el("td", { text: c.retention_days ? c.retention_days + " " + t("privacy.data.days") : "" })));
      }
    },
    // Tags are fetched on their own (the section carries only where to find them), so a
    // deletion redraws this list without reloading the page.
    async tags(s) {
      let d;
      try { d = await api("GET", s.href || "/api/v1/me/tags", token); } catch (e) { fail(e); return; }
      const ul = document.getElementById("tags-list");
      ul.replaceChildren();
      if (!d.tags.length) ul.append(el("li", { id: "tags-none", text: t("privacy.tags.none") }));
      for (const g of d.tags) {
        const why = el("div", { class: "why" }, el("strong", { text: g.label }));
        if (g.explanation) why.append(el("p", { text: g.explanation }));
        if (g.evidence && g.evidence.length) {
          const ev = el("ul", { class: "evidence", "aria-label": t("privacy.tags.because") });
          for (const x of g.evidence) ev.append(el("li", { text: x.what + (x.value ? ": " + x.value : "") }));
          why.append(el("p", { text: t("privacy.tags.because") }), ev);
        }
        why.append(el("p", { class: "meta", text: t("privacy.tags.purpose") + " " + g.purpose_name +
          (g.expires_at ? " · " + t("privacy.tags.expires") + " " + g.expires_at.slice(0, 10) : "") }));
        const li = el("li", { "data-tag": g.name }, why);
        if (g.deletable) {
          const b = el("button", { type: "button", id: "tag-delete-" + g.name.replace(/\W/g, "-"),
            "aria-label": t("privacy.tags.delete") + ": " + g.label, text: t("privacy.tags.delete") });
          b.onclick = async () => {
            try { await api("DELETE", "/api/v1/me/tags/" + encodeURIComponent(g.name), token); } catch (e) { fail(e); return; }
            await render.tags(s);
            document.getElementById("tags-status").textContent = t("privacy.tags.deleted") + " " + g.label;
          };
          li.append(b);
        } else {
          li.append(el("span", { class: "state", text: t("privacy.tags.kept") }));
        }
        ul.append(li);
      }
      const gone = document.getElementById("tags-deleted");
      gone.replaceChildren();
      for (const g of d.deleted || []) {
        gone.append(el("li", { "data-deleted-tag": g.name }, el("span", { text: g.label }),
          el("span", { class: "state", text: t("privacy.tags.deletedon") + " " + String(g.deleted_at).slice(0, 10) })));
      }
      document.getElementById("tags-deleted-block").hidden = !(d.deleted || []).length;
    },
    requests(s) {
      const ul = document.getElementById("requests-list");
      ul.replaceChildren();
      if (!s.requests.length) ul.append(el("li", { text: t("privacy.requests.none") }));
      for (const r of s.requests) ul.append(el("li", { "data-request": r.id }, el("span", { text: r.type }), el("span", { text: r.state }),
        el("span", { text: t("privacy.requests.deadline") + " " + (r.deadline || "").slice(0, 10) })));
      document.getElementById("download").onclick = async () => {
        try {
          const res = await fetch("/api/v1/me/export", { headers: { "Authorization": "Bearer " + token } });
          if (!res.ok) throw Object.assign(new Error(res.statusText), { status: res.status });
          const blob = await res.blob();
          const a = document.getElementById("export-link");
          a.href = URL.createObjectURL(blob);
          document.getElementById("download-ready").hidden = false;
          a.focus();
        } catch (e) { fail(e); }
      };
      const del = document.getElementById("delete-account"), confirmBtn = document.getElementById("delete-confirm");
      del.onclick = () => { confirmBtn.hidden = false; confirmBtn.focus(); };
      confirmBtn.onclick = async () => {
        try { await api("POST", "/api/v1/me/requests", token, { type: "account_deletion" }); } catch (e) { fail(e); return; }
        sessionStorage.removeItem(KEY);
        document.getElementById("center").hidden = true;
        document.getElementById("deleted").hidden = false;
      };
    },
  };

  render.report = async function () {
    let rep;
    try { rep = await api("GET", "/api/v1/me/report", token); } catch (e) { fail(e); return; }
    const ul = document.getElementById("report-list");
    ul.replaceChildren();
    if (!rep.entries.length) ul.append(el("li", { text: t("privacy.report.none") }));
    for (const e of rep.entries) {
      ul.append(el("li", { "data-index": String(e.index) }, el("span", { text: e.time.slice(0, 19).replace("T", " ") }),
        el("span", { text: e.act + (e.purpose ? " · " + e.purpose : "") + " · " + e.actor }),
        el("span", { class: "proof", text: t("privacy.report.proof") + ": " + e.proof.length + " " + t("privacy.report.hashes") + " " + rep.checkpoint.size })));
    }
    const a = document.getElementById("report-link");
    a.href = URL.createObjectURL(new Blob([JSON.stringify(rep, null, 2)], { type: "application/json" }));
    a.hidden = false;
  };

  async function load() {
    let me;
    try { me = await api("GET", "/api/v1/me", token); } catch (e) { document.getElementById("center").hidden = true; fail(e); return; }
    errBox.hidden = true;
    document.getElementById("signedout").hidden = true;
    document.getElementById("center").hidden = false;
    const center = document.getElementById("center");
    const ctx = { token, act, fail, reload: load };
    let prev = null;
    for (const s of me.sections || []) {
      const ext = window.steward.sections[s.id];
      if (!render[s.id] && !ext) continue;
      let root = document.getElementById(s.id);
      if (!root) {
        // An extra section takes its place in the server's order, after the one before it.
        root = el("section", { id: s.id, "aria-labelledby": s.id + "-h" });
        if (prev) prev.after(root); else center.prepend(root);
      }
      prev = root;
      root.hidden = false;
      if (render[s.id]) { render[s.id](s); continue; }
      try { await ext(root, s, ctx); } catch (e) { fail(e); }
    }
  }
  async function act(method, path, body) {
    try { await api(method, path, token, body); } catch (e) { fail(e); return; }
    await load();
  }
  document.getElementById("signout").addEventListener("click", async () => {
    try { await api("DELETE", "/api/v1/me/session", token); } catch (e) { /* signed out either way */ }
    sessionStorage.removeItem(KEY);
    location.reload();
  });
  // Start once every deferred script ran, so sections from their own files are registered.
  if (token) document.addEventListener("DOMContentLoaded", load);
})();
