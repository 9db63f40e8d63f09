// Shared by the console and the privacy center: the message catalogue of this page's
// language and a JSON fetch helper that turns the API's error envelope into an Error.
"use strict";
window.steward = (function () {
  const cat = JSON.parse(document.getElementById("i18n").textContent);
  function t(key) { return Object.prototype.hasOwnProperty.call(cat, key) ? cat[key] : key; }
  async function api(method, path, token, body) {
    const opts = { method, headers: { "Authorization": "Bearer " + token } };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    const res = await fetch(path + (path.includes("?") ? "&" : "?") + "lang=" + document.body.dataset.lang, opts);
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (!res.ok) {
      const err = new Error(data && data.error ? data.error.message : res.statusText);
      err.status = res.status;
      throw err;
    }
    return data;
  }
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") e.textContent = v; else e.setAttribute(k, v);
    }
    for (const c of children) if (c) e.append(c);
    return e;
  }
  return { t, api, el };
})();
