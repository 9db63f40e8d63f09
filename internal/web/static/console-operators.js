// Operators and tokens (issue 18 item 3): the staff accounts with their roles and how they
// sign in through the identity provider; create one; issue a token with the scopes its role
// allows (only those this token holds, the server's rule too) and an expiry (90 days unless
// chosen, at most 366); list tokens and revoke them.
"use strict";
(function () {
  const { t, api, el } = window.steward;
  const when = (v) => (v ? String(v).slice(0, 10) : "—");
  const th = (k) => el("th", { scope: "col", text: t(k) });
  const errorP = (e) => el("p", { class: "error", role: "alert", text: t("console.error.generic") + " " + e.message });

  window.steward.screens.operators = async (root, token, me, show) => {
    const can = (s) => me.scopes.includes(s);
    root.append(el("h2", { text: t("console.operators.heading") }));
    const [ops, roles, methods] = await Promise.all([api("GET", "/api/v1/operators", token), api("GET", "/api/v1/roles", token),
      api("GET", "/api/v1/signin/methods", token)]);
    let logins = [];
    try { logins = (await api("GET", "/api/v1/operators/logins", token)).logins; } catch (e) { logins = []; }
    const loginOf = (id) => logins.find((l) => l.operator_id === id);
    const status = el("p", { id: "operators-status", role: "status" });
    root.append(status);

    const tb = el("tbody");
    for (const o of ops.operators) {
      const l = loginOf(o.id);
      const signin = l ? [l.subject ? t("console.operators.subject") + " " + l.subject : "", l.email ? l.email : ""].filter(Boolean).join(" · ") : "—";
      tb.append(el("tr", { "data-operator": o.id }, el("td", {}, el("strong", { text: o.name }), el("br"), el("code", { text: o.id })),
        el("td", { text: t("console.operators.role." + o.role) }), el("td", { text: when(o.created_at) }), el("td", { class: "login", text: signin })));
    }
    root.append(el("div", { class: "scroll" }, el("table", { id: "operators-table" }, el("thead", {}, el("tr", {}, th("console.operators.name"),
      th("console.operators.role"), th("console.operators.created"), th("console.operators.signin"))), tb)));

    const roleSelect = (id) => {
      const s = el("select", { id });
      for (const r of roles.roles) s.append(el("option", { value: r.role, text: t("console.operators.role." + r.role) }));
      return s;
    };
    const opSelect = (id) => {
      const s = el("select", { id });
      for (const o of ops.operators) s.append(el("option", { value: o.id, text: o.name + " (" + t("console.operators.role." + o.role) + ")" }));
      return s;
    };

    if (can("operators:write")) {
      const name = el("input", { id: "operator-name-new", required: "", maxlength: "100" });
      const role = roleSelect("operator-role-new");
      const f = el("form", { id: "operator-form", class: "inline-form" }, el("label", { for: "operator-name-new", text: t("console.operators.name") }), name,
        el("label", { for: "operator-role-new", text: t("console.operators.role") }), role,
        el("button", { type: "submit", id: "operator-create", class: "primary", text: t("console.operators.create") }));
      f.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        try {
          const o = await api("POST", "/api/v1/operators", token, { name: name.value.trim(), role: role.value });
          await show("operators", token, me);
          document.getElementById("operators-status").textContent = t("console.operators.created.ok") + " " + o.name;
        } catch (e) { status.replaceChildren(errorP(e)); }
      });
      root.append(el("h3", { text: t("console.operators.new") }), f);
    }

    if (can("tokens:write")) {
      const who = opSelect("token-operator");
      const tname = el("input", { id: "token-name", required: "", maxlength: "100" });
      const days = el("input", { id: "token-days", type: "number", min: "1", max: String(roles.max_token_days), value: String(roles.default_token_days), "aria-describedby": "token-days-help" });
      const scopes = el("fieldset", { id: "token-scopes", class: "scopes" }, el("legend", { text: t("console.operators.scopes") }));
      const fillScopes = () => {
        const op = ops.operators.find((o) => o.id === who.value);
        const role = roles.roles.find((r) => r.role === (op || {}).role) || { scopes: [] };
        scopes.replaceChildren(el("legend", { text: t("console.operators.scopes") }));
        for (const s of role.scopes) {
          const id = "scope-" + s.replace(/[^a-z]/g, "-");
          const box = el("input", { type: "checkbox", id, value: s });
          if (can(s)) box.checked = true; else box.disabled = true;
          scopes.append(el("label", { for: id }, box, s));
        }
      };
      who.onchange = fillScopes;
      fillScopes();
      const out = el("div", { id: "token-out", "aria-live": "polite" });
      const f = el("form", { id: "token-form" }, el("label", { for: "token-operator", text: t("console.operators.for") }), who,
        el("label", { for: "token-name", text: t("console.operators.tokenname") }), tname, scopes,
        el("label", { for: "token-days", text: t("console.operators.expiry") }), days,
        el("p", { id: "token-days-help", class: "help", text: t("console.operators.expiryhelp").replace("{d}", roles.default_token_days).replace("{max}", roles.max_token_days) }),
        el("button", { type: "submit", id: "token-issue", class: "primary", text: t("console.operators.issue") }));
      f.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        const chosen = [...scopes.querySelectorAll("input:checked")].map((b) => b.value);
        try {
          const r = await api("POST", "/api/v1/operators/" + encodeURIComponent(who.value) + "/tokens", token,
            { name: tname.value.trim(), scopes: chosen, ttl_seconds: Math.round(Number(days.value || roles.default_token_days) * 86400) });
          out.replaceChildren(el("p", { text: t("console.operators.secretonce") + " " + t("console.operators.expires") + " " + when(r.expires_at) }),
            el("code", { class: "secret", id: "token-secret", text: r.token }));
          await window.steward.renderTokens();
        } catch (e) { out.replaceChildren(errorP(e)); }
      });
      root.append(el("h3", { text: t("console.operators.newtoken") }), f, out);
    }

    const nameOf = (id) => (ops.operators.find((o) => o.id === id) || { name: id }).name;
    const tokensBox = el("div", { class: "scroll", id: "tokens-box" });
    // renderTokens lists every token (never a secret) with its state; revoking one re-lists.
    async function renderTokens() {
      const list = await api("GET", "/api/v1/tokens", token);
      const now = Date.now();
      const ttb = el("tbody");
      for (const k of list.tokens) {
        const dead = k.revoked_at || (k.expires_at && Date.parse(k.expires_at) < now);
        const state = k.revoked_at ? t("console.operators.revoked") + " " + when(k.revoked_at) : (dead ? t("console.operators.expired") : t("console.operators.active"));
        const row = el("tr", { "data-token": k.id, class: dead ? "revoked" : "" }, el("td", { text: k.name }), el("td", { text: nameOf(k.operator_id) }),
          el("td", { title: k.scopes.join(", "), text: k.scopes.length + " " + t("console.operators.scopecount") }), el("td", { text: when(k.created_at) }),
          el("td", { text: k.expires_at ? when(k.expires_at) : t("console.operators.never") }), el("td", { class: "state", text: state }));
        const cell = el("td");
        if (can("tokens:write") && !dead) {
          const b = el("button", { type: "button", "data-revoke": k.id, text: t("console.operators.revoke") });
          b.onclick = async () => {
            if (!confirm(t("console.operators.revokeconfirm"))) return;
            try { await api("DELETE", "/api/v1/tokens/" + encodeURIComponent(k.id), token); await renderTokens(); }
            catch (e) { status.replaceChildren(errorP(e)); }
          };
          cell.append(b);
        }
        row.append(cell);
        ttb.append(row);
      }
      tokensBox.replaceChildren(el("table", { id: "tokens-table" }, el("thead", {}, el("tr", {},
        th("console.operators.tokenname"), th("console.operators.operator"), th("console.operators.scopes"), th("console.operators.created"),
        th("console.operators.expires"), th("console.operators.state"), el("th", { scope: "col" }))), ttb));
    }
    window.steward.renderTokens = renderTokens;
    root.append(el("h3", { text: t("console.operators.tokens") }), tokensBox);
    await renderTokens();

    if (can("operators:write") && methods.oidc) {
      const who = opSelect("login-operator");
      const subject = el("input", { id: "login-subject", maxlength: "255" });
      const email = el("input", { id: "login-email", type: "email", maxlength: "254" });
      const f = el("form", { id: "login-form", class: "inline-form" }, el("label", { for: "login-operator", text: t("console.operators.for") }), who,
        el("label", { for: "login-subject", text: t("console.operators.subject") }), subject,
        el("label", { for: "login-email", text: t("console.operators.email") }), email,
        el("button", { type: "submit", id: "login-save", text: t("console.operators.loginsave") }));
      f.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        try {
          await api("PUT", "/api/v1/operators/" + encodeURIComponent(who.value) + "/login", token, { subject: subject.value.trim(), email: email.value.trim() });
          await show("operators", token, me);
          document.getElementById("operators-status").textContent = t("console.operators.loginsaved");
        } catch (e) { status.replaceChildren(errorP(e)); }
      });
      root.append(el("h3", { text: t("console.operators.login").replace("{p}", methods.oidc_name) }),
        el("p", { class: "help", text: t("console.operators.loginhelp") }), f);
    }
  };
})();
