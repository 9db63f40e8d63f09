/* Steward consent SDK: a consent banner whose "accept all", "reject all" and "choose" are
   equally prominent, per-category choices (nothing pre-ticked) with the notice summary one
   click away, the choice remembered, Global Privacy Control honoured, and Segment-format
   events sent only for categories the choice allows. Plain JS, no build step.
   <script src="https://steward.example/sdk/steward.js" data-write-key="stw_wk_…" defer></script>
   window.steward.track(event, properties, category)  category defaults to "Analytics"
   window.steward.page(name, properties) · window.steward.identify(userId, traits)
   window.steward.consent() → {Analytics: bool, …} · window.steward.open() reopens the choices
   window.steward.recommendations(slot, n, element, {href}) → Promise of the answer; renders
   the items into element with their label (个性化推荐 / "Recommended for you", or popular) and a
   "why" link to the published algorithm description. Personalised only when the person's
   consent allows it, decided by the server on every call. */
(function () {
  "use strict";
  var me = document.currentScript;
  var host = (me && me.dataset.host) || (me ? new URL(me.src).origin : location.origin);
  var writeKey = me && me.dataset.writeKey;
  var lang = (me && me.dataset.lang) || ((navigator.language || "en").toLowerCase().indexOf("zh") === 0 ? "zh-CN" : "en");
  var KEY = "steward.consent.v1", AKEY = "steward.anonymousId";
  var gpc = navigator.globalPrivacyControl === true;
  var cfg = null, state = null, queue = [];

  function anonymousId() {
    var id = localStorage.getItem(AKEY);
    if (!id) {
      id = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2));
      localStorage.setItem(AKEY, id);
    }
    return id;
  }
  function load() {
    try { var s = JSON.parse(localStorage.getItem(KEY)); if (s && s.hash === cfg.notice.hash) return s; } catch (e) {}
    return null;
  }
  function prefs() {
    var out = {};
    cfg.categories.forEach(function (c) {
      var on = !!(state && state.prefs[c.key]);
      if (gpc && c.gpc_off) on = false; // GPC: no sale, sharing or targeted advertising
      out[c.key] = on;
    });
    return out;
  }
  // consentContext is what every event says about the choice: the banner made it, under
  // which notice, in which language (the server records exactly that, never more).
  function consentContext(extra) {
    return Object.assign({ categoryPreferences: prefs(), source: "banner", lang: lang,
      notice: state ? { version: state.version, hash: state.hash } : undefined }, extra || {});
  }
  function send(msg) {
    msg.messageId = msg.messageId || (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2));
    msg.anonymousId = anonymousId();
    msg.timestamp = new Date().toISOString();
    msg.context = Object.assign({ consent: consentContext(), library: { name: "steward.js", version: "1" },
      locale: navigator.language, page: { path: location.pathname, url: location.href, title: document.title } }, msg.context || {});
    if (gpc) msg.context.gpc = true;
    var body = JSON.stringify({ writeKey: writeKey, batch: [msg], sentAt: new Date().toISOString() });
    // text/plain: no CORS preflight, as Segment's browser library does.
    return fetch(host + "/v1/batch", { method: "POST", body: body, headers: { "Content-Type": "text/plain" }, keepalive: true });
  }
  function allowed(category) { return !!prefs()[category || "Analytics"]; }
  function save(choice, how) {
    state = { prefs: choice, separate: (state && state.separate) || {}, hash: cfg.notice.hash, version: cfg.notice.version, at: new Date().toISOString(), how: how };
    localStorage.setItem(KEY, JSON.stringify(state));
    close();
    send({ type: "track", event: "Segment Consent Preference Updated", properties: {}, context: { consent: consentContext({ method: how }) } });
    var q = queue; queue = [];
    q.forEach(function (f) { f(); });
    document.dispatchEvent(new CustomEvent("steward:consent", { detail: prefs() }));
  }
  function all(v) { var o = {}; cfg.categories.forEach(function (c) { o[c.key] = v && !(gpc && c.gpc_off); }); return o; }

  // A separate consent (PIPL Arts. 23, 39) is its own act for one purpose and one named
  // recipient: agreeing here is the only way to grant it; "accept all" never does.
  function separate(ask, rc, granted) {
    if (!state) state = { prefs: all(false), separate: {}, hash: cfg.notice.hash, version: cfg.notice.version, at: new Date().toISOString(), how: "separate" };
    state.separate = state.separate || {};
    state.separate[ask.purpose + "@" + rc.name] = granted;
    localStorage.setItem(KEY, JSON.stringify(state));
    send({ type: "track", event: "Segment Consent Preference Updated", properties: {},
      context: { consent: consentContext({ method: "separate", separate: [{ purpose: ask.purpose, recipient: rc.name, granted: granted }] }) } });
  }
  function separateSection(t) {
    var box = el("section", { id: "steward-separate", "aria-labelledby": "steward-separate-title" });
    box.appendChild(el("strong", { id: "steward-separate-title" }, t.separate_title));
    box.appendChild(el("p", {}, t.separate_intro));
    (cfg.separate || []).forEach(function (ask) {
      ask.recipients.forEach(function (rc) {
        var key = ask.purpose + "@" + rc.name;
        var card = el("div", { class: "steward-ask", "data-purpose": ask.purpose, "data-recipient": rc.name });
        card.style.cssText = "border:1px solid #999;border-radius:6px;padding:8px;margin:8px 0";
        card.appendChild(el("strong", {}, ask.name));
        card.appendChild(el("p", {}, ask.statement));
        var dl = el("dl", {});
        dl.style.cssText = "display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:4px 0";
        [[t.recipient, rc.name], [t.contact, rc.contact], [t.receives, (rc.categories || []).join(", ")], [t.how, rc.method],
         [t.where, (rc.countries || []).join(", ")]].forEach(function (kv) {
          if (!kv[1]) return;
          dl.appendChild(el("dt", {}, kv[0])); var dd = el("dd", { "data-field": kv[0] }, kv[1]); dd.style.margin = "0"; dl.appendChild(dd);
        });
        card.appendChild(dl);
        var row = el("div", {}); row.style.cssText = "display:flex;gap:12px";
        var current = state && state.separate ? state.separate[key] : undefined;
        [["agree", t.agree, true], ["decline", t.decline, false]].forEach(function (b) {
          var btn = el("button", { type: "button", class: "steward-" + b[0], "aria-pressed": String(current === b[2]) }, b[1]);
          btn.style.cssText = "flex:1 1 0;padding:8px;font:inherit;font-weight:600;border:2px solid #333;background:#fff;color:#111;border-radius:6px";
          if (gpc && b[2] && ask.purpose !== "cross_border_transfer") btn.disabled = true; // GPC: no sale or sharing
          btn.onclick = function () { separate(ask, rc, b[2]); row.querySelectorAll("button").forEach(function (x) { x.setAttribute("aria-pressed", String(x === btn)); }); };
          row.appendChild(btn);
        });
        card.appendChild(row);
        box.appendChild(card);
      });
    });
    return box;
  }

  var root = null;
  function close() { if (root) { root.remove(); root = null; } }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text) e.textContent = text;
    return e;
  }
  function open() {
    close();
    var t = cfg.text;
    root = el("div", { id: "steward-banner", role: "dialog", "aria-modal": "false", "aria-labelledby": "steward-title", lang: lang });
    root.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:85vh;overflow:auto;box-sizing:border-box;background:#fff;border-top:2px solid #333;padding:16px;font:15px/1.5 system-ui,sans-serif;z-index:2147483647";
    root.appendChild(el("strong", { id: "steward-title" }, t.title));
    root.appendChild(el("p", {}, t.summary));
    var more = el("details", {});
    more.appendChild(el("summary", {}, t.notice));
    cfg.categories.forEach(function (c) { more.appendChild(el("p", {}, c.name + ": " + c.summary)); });
    root.appendChild(more);
    if (gpc) root.appendChild(el("p", { id: "steward-gpc" }, t.gpc));
    var choices = el("fieldset", { id: "steward-choices", hidden: "" });
    choices.appendChild(el("legend", {}, t.choose));
    cfg.categories.forEach(function (c) {
      var id = "steward-c-" + c.key;
      var box = el("input", { type: "checkbox", id: id, "data-category": c.key });
      if (gpc && c.gpc_off) box.disabled = true; // nothing pre-ticked, GPC categories locked off
      var lab = el("label", { for: id }, " " + c.name);
      var row = el("div", {}); row.appendChild(box); row.appendChild(lab);
      choices.appendChild(row);
    });
    var saveBtn = el("button", { type: "button", id: "steward-save" }, t.save);
    saveBtn.onclick = function () {
      var o = {};
      choices.querySelectorAll("input").forEach(function (b) { o[b.dataset.category] = b.checked && !b.disabled; });
      save(o, "choose");
    };
    choices.appendChild(saveBtn);
    var bar = el("div", { class: "steward-buttons" });
    bar.style.cssText = "display:flex;gap:12px;flex-wrap:wrap";
    // The three answers share one style: same size, weight and level (no dark pattern).
    [["steward-accept", t.accept, function () { save(all(true), "accept_all"); }],
     ["steward-reject", t.reject, function () { save(all(false), "reject_all"); }],
     ["steward-choose", t.choose, function () { choices.hidden = !choices.hidden; }]].forEach(function (b) {
      var btn = el("button", { type: "button", id: b[0] }, b[1]);
      btn.style.cssText = "flex:1 1 0;min-width:9em;padding:10px;font:inherit;font-weight:600;border:2px solid #333;background:#fff;color:#111;border-radius:6px";
      btn.onclick = b[2];
      bar.appendChild(btn);
    });
    root.appendChild(bar);
    root.appendChild(choices);
    if ((cfg.separate || []).length) root.appendChild(separateSection(t));
    document.body.appendChild(root);
  }

  // slotInto renders a slot: the slot's label, each item with its own label and reason,
  // and a "why" link to the algorithm's public description (PT-01, PT-02).
  function slotInto(element, res, opts) {
    var box = el("section", { class: "steward-slot", "data-slot": res.slot, "data-personalised": String(res.personalised), lang: lang });
    box.appendChild(el("strong", { class: "steward-slot-label" }, res.label));
    var ul = el("ul", { class: "steward-items" });
    ul.style.cssText = "list-style:none;padding:0;margin:8px 0";
    res.items.forEach(function (it) {
      var li = el("li", { class: "steward-item", "data-item": it.id, "data-personalised": String(it.personalised) });
      li.style.cssText = "margin:6px 0";
      var tag = el("span", { class: "steward-item-label" }, it.label);
      tag.style.cssText = "font-size:12px;border:1px solid #333;border-radius:4px;padding:0 4px;margin-right:6px";
      li.appendChild(tag);
      var name = el(opts.href ? "a" : "span", opts.href ? { class: "steward-name", href: opts.href(it) } : { class: "steward-name" }, it.name || it.id);
      li.appendChild(name);
      var why = el("small", { class: "steward-reason" }, it.reason);
      why.style.cssText = "display:block;color:#555";
      li.appendChild(why);
      ul.appendChild(li);
    });
    box.appendChild(ul);
    var at = res.explanation.split("#");
    box.appendChild(el("a", { class: "steward-why", href: host + at[0] + "?lang=" + encodeURIComponent(lang) + (at[1] ? "#" + at[1] : ""),
      target: "_blank", rel: "noopener" }, lang === "zh-CN" ? "为什么推荐这些？" : "Why am I seeing these?"));
    element.replaceChildren(box);
  }

  var api = {
    track: function (event, properties, category) {
      var f = function () { if (allowed(category)) send({ type: "track", event: event, properties: properties || {} }); };
      cfg && state ? f() : queue.push(f); // before a choice, wait for one (default deny)
    },
    page: function (name, properties) {
      var f = function () { if (allowed("Analytics")) send({ type: "page", name: name, properties: properties || {} }); };
      cfg && state ? f() : queue.push(f);
    },
    identify: function (userId, traits) {
      // Account data serves the contract with the customer: sent whatever the banner says;
      // the server keeps only what the manifest allows.
      var f = function () { send({ type: "identify", userId: userId, traits: traits || {} }); };
      cfg ? f() : queue.push(f);
    },
    consent: function () { return cfg ? prefs() : null; },
    // Google Consent Mode v2 values for gtag('consent', 'update', …), same mapping as the API.
    consentMode: function () {
      var p = cfg ? prefs() : {}, g = function (b) { return b ? "granted" : "denied"; };
      return { analytics_storage: g(p.Analytics), ad_storage: g(p.Advertising), ad_user_data: g(p.Advertising && !gpc),
        ad_personalization: g(p.Advertising && !gpc) };
    },
    open: function () { if (cfg) open(); },
    recommendations: function (slot, n, element, opts) {
      opts = opts || {};
      var e = encodeURIComponent;
      // An existing anonymousId only: asking for items never creates an identifier (NC-07).
      // Never a userId: the write key is public, so the server honours a userId only from
      // the shop's backend; the anonymousId is linked to the customer by their identify.
      var who = localStorage.getItem(AKEY) ? "&anonymousId=" + e(localStorage.getItem(AKEY)) : "";
      return fetch(host + "/v1/recommendations?slot=" + e(slot || "") + "&n=" + (n || 6) + "&lang=" + e(lang) + "&writeKey=" + e(writeKey) + who)
        .then(function (r) { if (!r.ok) throw new Error("steward: recommendations " + r.status); return r.json(); })
        .then(function (res) { if (element) slotInto(element, res, opts); return res; });
    },
    ready: false
  };
  window.steward = api;

  fetch(host + "/sdk/config.json?lang=" + encodeURIComponent(lang)).then(function (r) { return r.json(); }).then(function (c) {
    cfg = c;
    state = load();
    api.ready = true;
    if (!state) { if (document.body) open(); else document.addEventListener("DOMContentLoaded", open); }
    else { var q = queue; queue = []; q.forEach(function (f) { f(); }); }
    document.dispatchEvent(new CustomEvent("steward:ready"));
  });
})();
