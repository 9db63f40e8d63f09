// Console sign-in through the shop's identity provider (issue 18 item 3). When
// GET /api/v1/signin/methods says OpenID Connect is configured, the sign-in form offers a
// button to /api/v1/signin/oidc. The provider's callback returns here with the session in
// the URL fragment (#signin=…: never sent to a server nor in a Referer), which this script
// hands to the console as if the token had been pasted — the callback already recorded the
// sign-in — or with the reason it was refused (#signin_err=…). It runs before the console
// starts (deferred scripts run in order, then DOMContentLoaded).
"use strict";
(function () {
  const { t, el } = window.steward;
  const KEY = "steward.console.token";
  const hash = new URLSearchParams(location.hash.slice(1));
  const err = document.getElementById("signin-error");
  if (hash.has("signin")) {
    sessionStorage.setItem(KEY, hash.get("signin"));
    history.replaceState(null, "", location.pathname + location.search);
  } else if (hash.has("signin_err")) {
    history.replaceState(null, "", location.pathname + location.search);
    const reason = hash.get("signin_err").replace(/[^a-z]/g, "");
    err.textContent = t("console.signin.err." + reason);
    err.hidden = false;
  }
  fetch("/api/v1/signin/methods").then((r) => (r.ok ? r.json() : null)).then((m) => {
    if (!m || !m.oidc) return;
    const a = el("a", { id: "signin-oidc", class: "button primary", href: "/api/v1/signin/oidc", text: t("console.signin.oidc").replace("{p}", m.oidc_name) });
    const form = document.getElementById("signin-form");
    form.before(el("p", {}, a), el("p", { class: "help", text: t("console.signin.or") }));
  }).catch(() => {});
})();
