// The request form for people without an account (issue 18 item 4): an email address and
// what they ask; a one-time code goes to that address; the request is filed when the code
// comes back. The page says the same whoever the address belongs to.
"use strict";
(function () {
  const { t } = window.steward;
  const lang = document.body.dataset.lang;
  const $ = (id) => document.getElementById(id);
  const fmt = new Intl.DateTimeFormat(lang, { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" });
  let challenge = null;
  async function post(path, body) {
    const res = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (!res.ok) throw Object.assign(new Error(data && data.error ? data.error.message : res.statusText), { status: res.status });
    return data;
  }
  function fail(e) {
    const box = $("visitor-error");
    box.textContent = e.status === 429 ? t("privacy.request.toomany") : t("privacy.request.failed") + " " + e.message;
    box.hidden = false;
  }
  function init() {
    $("visitor-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      $("visitor-error").hidden = true;
      try {
        challenge = await post("/api/v1/visitor/requests/code", { email: $("visitor-email").value, type: $("visitor-type").value,
          jurisdiction: $("visitor-jurisdiction").value, lang });
      } catch (e) { fail(e); return; }
      $("visitor-form").hidden = true;
      $("code-form").hidden = false;
      $("visitor-code").focus();
    });
    $("code-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      $("visitor-error").hidden = true;
      const details = $("visitor-details").value.trim();
      let rc;
      try {
        rc = await post("/api/v1/visitor/requests", { challenge: challenge.challenge, email: $("visitor-email").value, code: $("visitor-code").value.trim(),
          lang, details: details ? { message: details } : undefined });
      } catch (e) { fail(e); return; }
      $("code-form").hidden = true;
      $("receipt-id").textContent = rc.id;
      $("receipt-deadline").textContent = fmt.format(new Date(rc.deadline));
      $("visitor-done").hidden = false;
    });
    $("code-back").addEventListener("click", () => {
      $("code-form").hidden = true;
      $("visitor-form").hidden = false;
      $("visitor-code").value = "";
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
