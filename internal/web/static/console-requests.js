// Rights requests that can be worked (issue 18 item 4): the queue, and one request with who
// asked (masked by the operator's role), what they asked, its law and deadline, the
// assignee, notes, the identity check of a request from the public form, the extension
// where the law allows it, the state changes, and the notices sent to the shop's backend.
// It replaces the console's built-in "rights" screen. Strings: i18n/<lang>.requests.json.
"use strict";
(function () {
  const { t, api, el } = window.steward;
  window.steward.screens = window.steward.screens || {};
  const day = (v) => (v ? String(v).slice(0, 10) : "");
  const when = (v) => (v ? String(v).slice(0, 16).replace("T", " ") : "");
  const typeName = (x) => t("console.requests.type." + x);
  const stateName = (x) => t("console.requests.state." + x);

  window.steward.screens.rights = async (root, token, me, show) => {
    const canWrite = me.scopes.includes("rights:write");
    root.append(el("h2", { text: t("console.requests.heading") }));
    const [q, ops] = await Promise.all([api("GET", "/api/v1/rights-requests", token),
      me.scopes.includes("operators:read") ? api("GET", "/api/v1/operators", token).catch(() => ({ operators: [] })) : { operators: [] }]);
    const opName = (id) => { const o = ops.operators.find((x) => x.id === id); return o ? o.name : id; };
    const status = el("p", { id: "requests-status", role: "status" });
    const detail = el("div", { id: "request-detail", "aria-live": "polite" });
    root.append(status);
    if (!q.requests.length) { root.append(el("p", { id: "requests-none", text: t("console.requests.none") })); return; }
    const mine = el("input", { type: "checkbox", id: "requests-mine" });
    root.append(el("p", {}, mine, el("label", { for: "requests-mine", class: "inline", text: " " + t("console.requests.mine") })));
    const tb = el("tbody");
    const draw = () => {
      tb.replaceChildren();
      for (const r of q.requests) {
        if (mine.checked && r.assignee !== me.operator.id) continue;
        const flags = [];
        if (r.overdue) flags.push(t("console.requests.overdue"));
        else if (r.due_soon) flags.push(t("console.requests.duesoon"));
        if (r.extended) flags.push(t("console.requests.extended"));
        const open = el("a", { href: "#", "data-request": r.id, text: typeName(r.type) });
        open.addEventListener("click", (ev) => { ev.preventDefault(); showRequest(r.id); });
        tb.append(el("tr", { class: r.overdue ? "overdue" : "", "data-row": r.id }, el("td", {}, open),
          el("td", { text: stateName(r.state) }),
          el("td", { text: t("console.requests.origin." + r.origin) }),
          el("td", { text: r.assignee ? opName(r.assignee) : "—" }),
          el("td", { text: day(r.deadline) + (flags.length ? " (" + flags.join(", ") + ")" : "") }),
          el("td", { text: when(r.received_at) })));
      }
    };
    mine.onchange = draw;
    draw();
    const th = (k) => el("th", { scope: "col", text: t(k) });
    root.append(el("div", { class: "scroll" }, el("table", { id: "requests-table" }, el("thead", {}, el("tr", {},
      th("console.requests.type"), th("console.requests.state"), th("console.requests.origin"), th("console.requests.assignee"),
      th("console.requests.deadline"), th("console.requests.received"))), tb)), detail);

    async function post(id, path, body) {
      try {
        await api("POST", "/api/v1/rights-requests/" + encodeURIComponent(id) + path, token, body);
        await show("rights", token, me);
        await window.steward.screens.rights.open(id);
        document.getElementById("requests-status").textContent = t("console.requests.saved");
      } catch (e) {
        detail.append(el("p", { class: "error", role: "alert", id: "request-error", text: t("console.error.generic") + " " + e.message }));
      }
    }

    async function showRequest(id) {
      const r = await api("GET", "/api/v1/rights-requests/" + encodeURIComponent(id), token);
      const dl = (pairs) => {
        const d = el("dl", { class: "facts" });
        for (const [k, v, attrs] of pairs) if (v) d.append(el("dt", { text: k }), el("dd", Object.assign({ text: v }, attrs || {})));
        return d;
      };
      const box = el("article", { class: "request", "data-request": r.id });
      box.append(el("h3", { id: "request-title", text: typeName(r.type) + " · " + stateName(r.state) }), el("p", { class: "help", text: r.id }));

      // Who asked, masked by role.
      const who = r.requester || {};
      box.append(el("h4", { text: t("console.requests.who") }), dl([
        [t("console.requests.email"), who.email, { id: "requester-email" }],
        [t("console.requests.userid"), who.user_id, { id: "requester-userid" }],
        [t("console.requests.name"), who.name, { id: "requester-name" }],
        [t("console.requests.customeremail"), who.customer_email, { id: "requester-customer-email" }],
        [t("console.requests.linked"), t(who.linked ? "console.requests.yes" : "console.requests.notyet")],
      ]));
      if (who.masked) box.append(el("p", { class: "help", id: "requester-masked", text: t("console.requests.masked") }));

      // What they asked.
      const asked = el("dl", { class: "facts", id: "request-details" });
      for (const [k, v] of Object.entries(r.details || {})) asked.append(el("dt", { text: k }), el("dd", { text: typeof v === "string" ? v : JSON.stringify(v) }));
      if (!asked.children.length) asked.append(el("dd", { text: t("console.requests.nodetails") }));
      box.append(el("h4", { text: t("console.requests.asked") }), asked);

      // The law and the deadline.
      box.append(el("h4", { text: t("console.requests.law") }), dl([
        [t("console.requests.jurisdiction"), t("console.requests.jur." + (r.jurisdiction || "none"))],
        [t("console.requests.deadline"), day(r.deadline) + (r.overdue ? " (" + t("console.requests.overdue") + ")" : ""), { id: "request-deadline" }],
        [t("console.requests.source"), r.deadline_source],
        [t("console.requests.extension"), r.extension.allowed ? t("console.requests.extendable") + " " + day(r.extension.until)
          : (r.extended ? t("console.requests.extended") : t("console.requests.notextendable") + " " + r.extension.why), { id: "request-extension" }],
      ]));

      // Assignment.
      const assign = el("select", { id: "request-assignee" }, el("option", { value: "", text: t("console.requests.nobody") }));
      for (const o of ops.operators) assign.append(el("option", { value: o.id, text: o.name + " (" + o.role + ")" }));
      if (!ops.operators.some((o) => o.id === me.operator.id)) assign.append(el("option", { value: me.operator.id, text: me.operator.name }));
      assign.value = r.assignee || "";
      const assignBtn = el("button", { type: "button", id: "request-assign", text: t("console.requests.assign") });
      assignBtn.onclick = () => post(r.id, "/assignee", { operator_id: assign.value });
      box.append(el("h4", { text: t("console.requests.assignee") }),
        canWrite ? el("p", { class: "row" }, el("label", { for: "request-assignee", class: "sr-only", text: t("console.requests.assignee") }), assign, assignBtn)
          : el("p", { text: r.assignee ? opName(r.assignee) : t("console.requests.nobody") }));

      // Identity verification of a request from the public form.
      if (canWrite && r.origin === "visitor" && r.state === "received") {
        const method = el("select", { id: "verify-method" });
        for (const m of ["email_on_file", "reauthenticated", "no_account"]) method.append(el("option", { value: m, text: t("console.requests.verify." + m) }));
        const uid = el("input", { id: "verify-userid", autocomplete: "off" });
        const vb = el("button", { type: "button", id: "verify-submit", text: t("console.requests.verify") });
        vb.onclick = () => post(r.id, "/verification", { method: method.value, user_id: method.value === "no_account" ? "" : uid.value.trim() });
        box.append(el("section", { class: "verify", "aria-labelledby": "verify-h" }, el("h4", { id: "verify-h", text: t("console.requests.verifyheading") }),
          el("p", { class: "help", text: t("console.requests.verifyhelp") }),
          el("label", { for: "verify-method", text: t("console.requests.verifymethod") }), method,
          el("label", { for: "verify-userid", text: t("console.requests.userid") }), uid, el("p", {}, vb)));
      }

      // Steps, then moving the request on.
      const steps = el("ol", { id: "request-steps" });
      for (const s of r.steps || []) steps.append(el("li", { text: when(s.at) + " · " + stateName(s.state) + " · " + (s.actor === me.operator.id ? me.operator.name : opName(s.actor)) + (s.note ? " — " + s.note : "") }));
      box.append(el("h4", { text: t("console.requests.steps") }), steps);
      if (canWrite && (r.state === "received" || r.state === "verified" || r.state === "in_progress")) {
        const reason = el("input", { id: "step-reason" });
        const buttons = el("p", { class: "row" });
        const stepBtn = (id, state, key) => {
          const b = el("button", { type: "button", id, text: t(key) });
          b.onclick = () => post(r.id, "/steps", { state, reason: reason.value });
          buttons.append(b);
        };
        if (r.state === "verified") stepBtn("step-start", "in_progress", "console.requests.start");
        if (r.state !== "received") stepBtn("step-done", "done", "console.requests.done");
        stepBtn("step-refuse", "refused", "console.requests.refuse");
        box.append(el("label", { for: "step-reason", text: t("console.requests.reason") }), reason, buttons);

        // The extension, where the law allows it.
        const why = el("select", { id: "extend-reason" }, el("option", { value: "complexity", text: t("console.requests.why.complexity") }),
          el("option", { value: "volume", text: t("console.requests.why.volume") }));
        const eb = el("button", { type: "button", id: "extend-submit", text: t("console.requests.extend") });
        eb.onclick = () => post(r.id, "/extension", { reason: why.value });
        if (!r.extension.allowed) { eb.disabled = true; why.disabled = true; }
        box.append(el("h4", { text: t("console.requests.extension") }), el("p", { class: "row" },
          el("label", { for: "extend-reason", class: "sr-only", text: t("console.requests.extendwhy") }), why, eb),
          el("p", { class: "help", id: "extend-help", text: r.extension.allowed ? t("console.requests.extendhelp") : t("console.requests.notextendable") + " " + r.extension.why }));

        // Notes (sealed; the log records only that one was added).
        const note = el("textarea", { id: "note-text", rows: "3", maxlength: "4000" });
        const nb = el("button", { type: "button", id: "note-add", text: t("console.requests.addnote") });
        nb.onclick = () => { if (note.value.trim()) post(r.id, "/notes", { text: note.value }); };
        box.append(el("h4", { text: t("console.requests.notes") }), notesList(r),
          el("label", { for: "note-text", text: t("console.requests.newnote") }), el("p", { class: "help", text: t("console.requests.notehelp") }), note, el("p", {}, nb));
      } else {
        box.append(el("h4", { text: t("console.requests.notes") }), notesList(r));
      }

      // What the shop's backend was told.
      const nl = el("ul", { class: "rows", id: "request-notices" });
      for (const n of r.notices || []) {
        const st = n.delivered_at ? t("console.requests.delivered") + " " + when(n.delivered_at)
          : n.failed_at ? t("console.requests.failed") + " " + n.last_error : t("console.requests.pending") + (n.last_error ? " — " + n.last_error : "");
        nl.append(el("li", { "data-notice": n.kind }, el("span", { text: t("console.requests.notice." + n.kind) }),
          el("span", { text: st + " · " + t("console.requests.attempts") + " " + n.attempts })));
      }
      if (!(r.notices || []).length) nl.append(el("li", { text: t("console.requests.nonotices") }));
      box.append(el("h4", { text: t("console.requests.notices") }), nl);
      detail.replaceChildren(box);
      box.scrollIntoView({ block: "start" });
    }
    function notesList(r) {
      const ul = el("ul", { class: "rows", id: "request-notes" });
      for (const n of r.notes || []) ul.append(el("li", {}, el("span", { text: n.text }), el("span", { class: "meta", text: when(n.at) + " · " + opName(n.actor) })));
      if (!(r.notes || []).length) ul.append(el("li", { text: t("console.requests.nonotes") }));
      return ul;
    }
    window.steward.screens.rights.open = showRequest;
  };
})();
