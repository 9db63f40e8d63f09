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
   consent allows it, decided by the server on every call.
   data-shop-name, data-policy-url, data-center-url (default <host>/privacy/) name the shop and
   link its privacy policy and privacy center. Theme it with CSS variables on #steward-banner
   (or :root): --steward-bg, --steward-fg, --steward-muted, --steward-border,
   --steward-button-bg, --steward-button-fg, --steward-accent, --steward-radius, --steward-font. */
(function () {
  "use strict";
  var me = document.currentScript;
  var host = (me && me.dataset.host) || (me ? new URL(me.src).origin : location.origin);
  var writeKey = me && me.dataset.writeKey;
  var lang = (me && me.dataset.lang) || ((navigator.language || "en").toLowerCase().indexOf("zh") === 0 ? "zh-CN" : "en");
  var KEY = "steward.consent.v1", AKEY = "steward.anonymousId";
  var gpc = navigator.globalPrivacyControl === true;
  var cfg = null, state = null, queue = [], recipients = {};
  var shopName = me && me.dataset.shopName, policyURL = me && me.dataset.policyUrl;
  var centerURL = (me && me.dataset.centerUrl) || host + "/privacy/";
  // The few words the banner adds to the server's texts.
  var words = { en: { policy: "Privacy policy", center: "Privacy center", shared: "Shared with:", notShared: "Not shared with other companies.",
    current: "Your current choices are ticked below; change them and save, or answer again above.", close: "Close" },
    "zh-CN": { policy: "隐私政策", center: "隐私中心", shared: "提供给：", notShared: "不提供给其他公司。",
    current: "下方已勾选您当前的选择；可修改后保存，或在上方重新作答。", close: "关闭" } }[lang] || {};

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
        card.appendChild(el("strong", {}, ask.name));
        card.appendChild(el("p", {}, ask.statement));
        var dl = el("dl", {});
        [[t.recipient, rc.name], [t.contact, rc.contact], [t.receives, (rc.categories || []).join(", ")], [t.how, rc.method],
         [t.where, (rc.countries || []).join(", ")]].forEach(function (kv) {
          if (!kv[1]) return;
          dl.appendChild(el("dt", {}, kv[0])); dl.appendChild(el("dd", { "data-field": kv[0] }, kv[1]));
        });
        card.appendChild(dl);
        var row = el("div", { class: "stw-pair" });
        var current = state && state.separate ? state.separate[key] : undefined;
        [["agree", t.agree, true], ["decline", t.decline, false]].forEach(function (b) {
          var btn = el("button", { type: "button", class: "steward-" + b[0], "aria-pressed": String(current === b[2]) }, b[1]);
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
  // One style sheet, every colour and size a CSS variable a shop may set.
  var CSS = "#steward-banner{position:fixed;left:0;right:0;bottom:0;max-height:85vh;overflow:auto;-webkit-overflow-scrolling:touch;box-sizing:border-box;" +
    "background:var(--steward-bg,#fff);color:var(--steward-fg,#111);border-top:2px solid var(--steward-border,#333);padding:16px;" +
    "font:15px/1.5 var(--steward-font,system-ui,sans-serif);z-index:2147483647}" +
    "#steward-banner *{box-sizing:border-box}#steward-banner a{color:var(--steward-accent,#0b5cad)}" +
    "#steward-banner .stw-shop{font-weight:600;margin:0 0 4px}#steward-banner .stw-links{margin:4px 0 12px;font-size:14px}" +
    "#steward-banner .stw-buttons{display:grid;grid-template-columns:repeat(3,1fr);gap:12px}" +
    "#steward-banner button{font:inherit;font-weight:600;padding:10px;min-height:44px;border:2px solid var(--steward-border,#333);" +
    "background:var(--steward-button-bg,#fff);color:var(--steward-button-fg,#111);border-radius:var(--steward-radius,6px);cursor:pointer}" +
    "#steward-banner button[aria-pressed=true]{outline:3px solid var(--steward-accent,#0b5cad);outline-offset:1px}" +
    "#steward-banner fieldset{border:1px solid var(--steward-border,#999);border-radius:var(--steward-radius,6px);margin:12px 0;padding:8px 12px}" +
    "#steward-banner .stw-cat{display:grid;grid-template-columns:auto 1fr;gap:0 8px;padding:6px 0;border-bottom:1px solid #ddd}" +
    "#steward-banner .stw-cat input{width:22px;height:22px;margin:2px 0}#steward-banner .stw-cat p{margin:2px 0;grid-column:2;font-size:14px;color:var(--steward-muted,#555)}" +
    "#steward-banner .steward-ask{border:1px solid var(--steward-border,#999);border-radius:var(--steward-radius,6px);padding:8px;margin:8px 0}" +
    "#steward-banner .steward-ask dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:4px 0}#steward-banner .steward-ask dd{margin:0}" +
    "#steward-banner .stw-pair{display:grid;grid-template-columns:1fr 1fr;gap:12px}" +
    "@media (max-width:480px){#steward-banner .stw-buttons{grid-template-columns:1fr}#steward-banner{padding:12px}}";
  function style() {
    if (document.getElementById("steward-style")) return;
    var s = el("style", { id: "steward-style" });
    s.textContent = CSS;
    document.head.appendChild(s);
  }
  function shared(c) {
    var names = [];
    (c.purposes || []).forEach(function (p) { (recipients[p] || []).forEach(function (n) { if (names.indexOf(n) < 0) names.push(n); }); });
    return names.length ? words.shared + " " + names.join(", ") : words.notShared;
  }
  // Each category appears once: its name, what it does and who receives it, with its box.
  // Reopened, the banner shows the choices in force (ticked), the answer given pressed.
  function open() {
    close();
    style();
    var t = cfg.text;
    root = el("div", { id: "steward-banner", role: "dialog", "aria-modal": "false", "aria-labelledby": "steward-title", lang: lang });
    root.appendChild(el("p", { class: "stw-shop", id: "steward-shop" }, shopName || cfg.controller || location.hostname));
    root.appendChild(el("strong", { id: "steward-title" }, t.title));
    root.appendChild(el("p", {}, t.summary));
    var links = el("p", { class: "stw-links" });
    links.appendChild(el("a", { id: "steward-policy", href: policyURL || host + "/sdk/notice.json?lang=" + encodeURIComponent(lang), target: "_blank", rel: "noopener" }, words.policy));
    links.appendChild(document.createTextNode(" · "));
    links.appendChild(el("a", { id: "steward-center", href: centerURL, target: "_blank", rel: "noopener" }, words.center));
    root.appendChild(links);
    if (gpc) root.appendChild(el("p", { id: "steward-gpc" }, t.gpc));
    var choices = el("fieldset", { id: "steward-choices" });
    if (!state) choices.hidden = true;
    choices.appendChild(el("legend", {}, t.notice));
    if (state) choices.appendChild(el("p", { id: "steward-current" }, words.current));
    cfg.categories.forEach(function (c) {
      var id = "steward-c-" + c.key;
      var box = el("input", { type: "checkbox", id: id, "data-category": c.key, "aria-describedby": id + "-d" });
      if (state && state.prefs[c.key]) box.checked = true; // the choice in force; nothing pre-ticked before one
      if (gpc && c.gpc_off) { box.disabled = true; box.checked = false; } // GPC categories locked off
      var row = el("div", { class: "stw-cat", "data-category": c.key });
      row.appendChild(box);
      row.appendChild(el("label", { for: id }, c.name));
      var d = el("p", { id: id + "-d" }, c.summary);
      row.appendChild(d);
      row.appendChild(el("p", { class: "stw-recipients" }, shared(c)));
      choices.appendChild(row);
    });
    var saveBtn = el("button", { type: "button", id: "steward-save" }, t.save);
    saveBtn.onclick = function () {
      var o = {};
      choices.querySelectorAll("input").forEach(function (b) { o[b.dataset.category] = b.checked && !b.disabled; });
      save(o, "choose");
    };
    choices.appendChild(saveBtn);
    var bar = el("div", { class: "steward-buttons stw-buttons" });
    // The three answers share one style: same size, weight and level (no dark pattern).
    [["steward-accept", t.accept, "accept_all", function () { save(all(true), "accept_all"); }],
     ["steward-reject", t.reject, "reject_all", function () { save(all(false), "reject_all"); }],
     ["steward-choose", t.choose, "choose", function () { choices.hidden = !choices.hidden; }]].forEach(function (b) {
      var btn = el("button", { type: "button", id: b[0], "aria-pressed": String(!!state && state.how === b[2]) }, b[1]);
      if (b[0] === "steward-choose") btn.setAttribute("aria-controls", "steward-choices");
      btn.onclick = b[3];
      bar.appendChild(btn);
    });
    root.appendChild(bar);
    root.appendChild(choices);
    if ((cfg.separate || []).length) root.appendChild(separateSection(t));
    if (state) {
      var x = el("button", { type: "button", id: "steward-close" }, words.close);
      x.style.marginTop = "12px";
      x.onclick = close;
      root.appendChild(x);
    }
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

  // Who receives each purpose comes from the notice in force: "Acme Analytics GmbH (DE)".
  var notice = fetch(host + "/sdk/notice.json?lang=" + encodeURIComponent(lang)).then(function (r) { return r.json(); }).then(function (n) {
    (n.summary || []).forEach(function (p) {
      recipients[p.purpose] = (p.recipients || []).map(function (x) { return String(x).replace(/ \(\[(.*)\]\)$/, " ($1)"); });
    });
  }).catch(function () {});
  Promise.all([fetch(host + "/sdk/config.json?lang=" + encodeURIComponent(lang)).then(function (r) { return r.json(); }), notice]).then(function (res) {
    var c = res[0];
    cfg = c;
    state = load();
    api.ready = true;
    if (!state) { if (document.body) open(); else document.addEventListener("DOMContentLoaded", open); }
    else { var q = queue; queue = []; q.forEach(function (f) { f(); }); }
    document.dispatchEvent(new CustomEvent("steward:ready"));
  });
})();
