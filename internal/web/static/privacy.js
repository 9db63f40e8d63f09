// The privacy center: a subject's own view of their data, consents, tags and requests.
// The session token arrives in the fragment, moves to sessionStorage and leaves the URL.
//
// GET /api/v1/me lists the sections to show, in order. The built-in ones render into the
// page's own <section> elements; a section of its own file (static/privacy-<name>.js, run
// after this one but before the page starts, strings in i18n/<lang>.<name>.json) registers
//   window.steward.sections[<id>] = async (root, section, ctx) => {…}
// where root is a <section id="<id>" aria-labelledby="<id>-h"> made for it where the server
// lists it (the section draws its own <h2 id="<id>-h">), section is the server's section
// object and ctx is
// {token, act(method, path, body), fail(e), reload(), lang, day(iso), verify(evidence,
// checkpoint)}: verify checks in this browser that a log entry is in the signed log.
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
  const lang = document.body.dataset.lang;
  const errBox = document.getElementById("error");
  function fail(e) {
    errBox.textContent = e.status === 401 ? t("privacy.error.auth") : t("privacy.error.generic") + " " + e.message;
    errBox.hidden = false;
  }
  // Dates in the page's language: "3 Dec 2026", "2026年12月3日".
  const fmt = new Intl.DateTimeFormat(lang, { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
  function day(iso) {
    if (!iso) return "";
    const d = new Date(String(iso).length === 10 ? iso + "T00:00:00Z" : iso);
    return isNaN(d) ? String(iso) : fmt.format(d);
  }
  const typeName = (x) => t("privacy.center.type." + x);
  const stateName = (x) => t("privacy.center.state." + x);

  // RFC 6962 / RFC 9162 §2.1.3.2: is the leaf at index in the tree of size with this root?
  // The person's browser checks it itself with the proof the server sends.
  const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const hex = (s) => Uint8Array.from(s.match(/../g) || [], (h) => parseInt(h, 16));
  const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  async function sha256(bytes) { return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)); }
  async function leafHash(bytes) { const b = new Uint8Array(bytes.length + 1); b.set(bytes, 1); return sha256(b); }
  async function nodeHash(l, r) { const b = new Uint8Array(65); b[0] = 1; b.set(l, 1); b.set(r, 33); return sha256(b); }
  async function included(index, size, hash, proof, root) {
    if (index >= size) return false;
    let fn = index, sn = size - 1, r = hash;
    for (const p of proof) {
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(p, r);
        if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        r = await nodeHash(r, p);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    return sn === 0 && same(r, root);
  }
  // verify checks that an entry is in the checkpoint's log and, for an act about many
  // people at once, that this person was among them.
  async function verify(ev, cp) {
    try {
      const leaf = new TextEncoder().encode(ev.leaf);
      if (!(await included(ev.index, cp.size, await leafHash(leaf), ev.proof.map(b64), b64(cp.root)))) return false;
      if (!ev.audience) return true;
      const a = ev.audience;
      const detail = JSON.parse(ev.leaf).detail || {};
      if (!same(hex(detail.audience_root || ""), b64(a.root))) return false;
      const member = new TextEncoder().encode("steward/audience\u0000" + a.pseudonym);
      return await included(a.index, a.size, await leafHash(member), a.proof.map(b64), b64(a.root));
    } catch (e) { return false; }
  }
  // proofButton shows an entry's index and checks it on demand.
  function proofButton(ev, cp) {
    const out = el("span", { class: "proof" }, el("span", { text: t("privacy.center.entry") + " #" + ev.index + " " }));
    const b = el("button", { type: "button", class: "small", "data-verify": String(ev.index), text: t("privacy.center.check") });
    const res = el("span", { class: "verdict", role: "status" });
    b.onclick = async () => {
      const ok = await verify(ev, cp);
      res.textContent = ok ? " ✓ " + t("privacy.center.verified") : " ✗ " + t("privacy.center.notverified");
      res.className = "verdict " + (ok ? "ok" : "bad");
    };
    out.append(b, res);
    return out;
  }

  let me = null;
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
    // What is held: the account details as they stand, what the person did by kind (counts
    // rounded, the latest few shown), and the kinds of data with purposes and retention.
    data(s) {
      const dl = document.getElementById("held-profile");
      dl.replaceChildren();
      for (const v of s.profile || []) dl.append(el("dt", { text: v.label }), el("dd", { "data-path": v.path, text: v.value }));
      if (!(s.profile || []).length) dl.append(el("dd", { text: t("privacy.center.noprofile") }));
      const ul = document.getElementById("held-activity");
      ul.replaceChildren();
      for (const k of s.activity || []) {
        const recent = el("ul", { class: "recent" });
        for (const e of k.recent || []) {
          recent.append(el("li", {}, el("span", { class: "meta", text: day(e.at) + " " }),
            el("span", { text: (e.values || []).map((v) => v.label + ": " + v.value).join(" · ") || "—" })));
        }
        const more = el("details", {}, el("summary", { text: t("privacy.center.latest") }), recent);
        ul.append(el("li", { "data-kind": k.kind }, el("div", {}, el("strong", { text: k.label }),
          el("p", { class: "meta", text: k.approx + " " + t("privacy.center.times") + " · " + day(k.first) + " – " + day(k.last) }), more)));
      }
      if (!(s.activity || []).length) ul.append(el("li", { text: t("privacy.center.noactivity") }));
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
          (g.expires_at ? " · " + t("privacy.tags.expires") + " " + day(g.expires_at) : "") }));
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
          el("span", { class: "state", text: t("privacy.tags.deletedon") + " " + day(g.deleted_at) })));
      }
      document.getElementById("tags-deleted-block").hidden = !(d.deleted || []).length;
    },
    requests(s) {
      const ul = document.getElementById("requests-list");
      ul.replaceChildren();
      if (!s.requests.length) ul.append(el("li", { text: t("privacy.requests.none") }));
      for (const r of s.requests) {
        const steps = el("ol", { class: "steps" });
        for (const st of r.steps || []) steps.append(el("li", { text: day(st.at) + " · " + stateName(st.state) + (st.note ? " — " + st.note : "") }));
        ul.append(el("li", { "data-request": r.id }, el("div", {}, el("strong", { text: typeName(r.type) }),
          el("p", { class: "meta", text: stateName(r.state) + " · " + t("privacy.requests.deadline") + " " + day(r.deadline) + (r.extended ? " (" + t("privacy.center.extended") + ")" : "") }),
          el("details", {}, el("summary", { text: t("privacy.center.steps") }), steps))));
      }
      rightsForms();
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
      // Deletion says what it does and can be cancelled (PIPL Art. 47; no dark pattern:
      // keeping the account is as easy as going on).
      const del = document.getElementById("delete-account"), dialog = document.getElementById("delete-dialog");
      del.onclick = () => { dialog.hidden = false; del.setAttribute("aria-expanded", "true"); document.getElementById("delete-cancel").focus(); };
      document.getElementById("delete-cancel").onclick = () => { dialog.hidden = true; del.setAttribute("aria-expanded", "false"); del.focus(); };
      document.getElementById("delete-confirm").onclick = async () => {
        try { await api("POST", "/api/v1/me/requests", token, { type: "account_deletion" }); } catch (e) { fail(e); return; }
        sessionStorage.removeItem(KEY);
        document.getElementById("center").hidden = true;
        document.getElementById("deleted").hidden = false;
      };
    },
    // The report in plain words, each line with the log entry it rests on, checked here.
    async report(s) {
      const ul = document.getElementById("report-list");
      let rep;
      try { rep = await api("GET", s.href || "/api/v1/me/activity", token); } catch (e) { fail(e); return; }
      ul.replaceChildren();
      if (!rep.lines.length) ul.append(el("li", { text: t("privacy.report.none") }));
      for (const l of rep.lines) {
        ul.append(el("li", { "data-act": l.act, "data-index": String(l.evidence ? l.evidence.index : "") },
          el("span", { class: "what", text: l.text }), l.evidence ? proofButton(l.evidence, rep.checkpoint) : el("span", {})));
      }
      document.getElementById("report-download").onclick = async () => {
        try {
          const full = await api("GET", "/api/v1/me/report", token);
          const a = document.getElementById("report-link");
          a.href = URL.createObjectURL(new Blob([JSON.stringify(full, null, 2)], { type: "application/json" }));
          a.hidden = false;
          a.focus();
        } catch (e) { fail(e); }
      };
    },
  };

  // Correction, objection and restriction, each a short form filing a request.
  function rightsForms() {
    const form = document.getElementById("right-form"), status = document.getElementById("right-status");
    const data = (me.sections || []).find((x) => x.id === "data") || {};
    const consent = (me.sections || []).find((x) => x.id === "consent") || { purposes: [] };
    const open = (kind) => {
      form.replaceChildren();
      form.dataset.kind = kind;
      const field = (id, label, control, help) => {
        control.id = id;
        return el("div", { class: "field" }, el("label", { for: id, text: label }), help ? el("p", { class: "help", text: help }) : null, control);
      };
      let collect;
      if (kind === "correction") {
        const what = el("select", {});
        for (const v of data.profile || []) what.append(el("option", { value: v.path, text: v.label + " (" + v.value + ")" }));
        what.append(el("option", { value: "other", text: t("privacy.center.other") }));
        const value = el("input", { maxlength: "500", required: "" });
        const note = el("textarea", { rows: "2", maxlength: "1000" });
        form.append(el("h4", { text: t("privacy.center.correct") }), field("correct-field", t("privacy.center.whichvalue"), what),
          field("correct-value", t("privacy.center.rightvalue"), value), field("correct-note", t("privacy.center.note"), note));
        collect = () => ({ type: "correction", details: { field: what.value, value: value.value, note: note.value } });
      } else if (kind === "objection") {
        const which = el("select", {}, el("option", { value: "", text: t("privacy.center.directmarketing") }));
        for (const p of consent.purposes) which.append(el("option", { value: p.key, text: p.name }));
        const why = el("textarea", { rows: "2", maxlength: "1000" });
        form.append(el("h4", { text: t("privacy.center.object") }), field("object-purpose", t("privacy.center.objectto"), which, t("privacy.center.objecthelp")),
          field("object-reason", t("privacy.center.why"), why));
        collect = () => ({ type: "objection", details: { purpose: which.value, reason: why.value } });
      } else {
        const why = el("select", {});
        for (const r of ["accuracy", "unlawful", "legal_claims", "objection"]) why.append(el("option", { value: r, text: t("privacy.center.restrict." + r) }));
        form.append(el("h4", { text: t("privacy.center.restrict") }), el("p", { class: "help", text: t("privacy.center.restricthelp") }),
          field("restrict-reason", t("privacy.center.why"), why));
        collect = () => ({ type: "restriction", details: { reason: why.value } });
      }
      const send = el("button", { type: "submit", id: "right-send", text: t("privacy.center.send") });
      const cancel = el("button", { type: "button", id: "right-cancel", text: t("privacy.center.cancel") });
      cancel.onclick = () => { form.hidden = true; };
      form.append(el("p", { class: "choices" }, send, cancel));
      form.onsubmit = async (ev) => {
        ev.preventDefault();
        let r;
        try { r = await api("POST", "/api/v1/me/requests", token, collect()); } catch (e) { fail(e); return; }
        form.hidden = true;
        await load();
        document.getElementById("right-status").textContent = t("privacy.center.sent") + " " + typeName(r.type) + " · " + stateName(r.state) +
          " · " + t("privacy.requests.deadline") + " " + day(r.deadline);
      };
      status.textContent = "";
      form.hidden = false;
      form.querySelector("select, input").focus();
    };
    for (const kind of ["correction", "objection", "restriction"]) document.getElementById("right-" + kind).onclick = () => open(kind);
  }

  async function load() {
    try { me = await api("GET", "/api/v1/me", token); } catch (e) { document.getElementById("center").hidden = true; fail(e); return; }
    errBox.hidden = true;
    document.getElementById("signedout").hidden = true;
    const center = document.getElementById("center");
    center.hidden = false;
    const hello = document.getElementById("greeting");
    hello.textContent = me.subject.name ? t("privacy.center.hello") + " " + me.subject.name : t("privacy.center.helloanon");
    hello.hidden = false;
    const ctx = { token, act, fail, reload: load, lang, day, verify };
    let prev = hello;
    for (const s of me.sections || []) {
      const ext = window.steward.sections[s.id];
      if (!render[s.id] && !ext) continue;
      let root = document.getElementById(s.id);
      if (!root) {
        // A section of its own file goes where the server lists it, after the one before it.
        root = el("section", { id: s.id, "aria-labelledby": s.id + "-h" });
        prev.after(root);
      }
      prev = root;
      root.hidden = false;
      if (render[s.id]) { await render[s.id](s); continue; }
      root.replaceChildren();
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
  window.steward.verify = verify;
  // Start once every deferred script ran, so sections from their own files are registered.
  if (token) document.addEventListener("DOMContentLoaded", load);
})();
