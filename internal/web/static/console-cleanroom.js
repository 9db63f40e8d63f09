// The clean room (issue 22): partners (invite, accept, suspend, resume), jobs proposed to
// or by a partner with this side's approval, and their results — the overlap's size and,
// for the initiator of intersection_sum, the partner's total over it; never who. Strings:
// i18n/<lang>.cleanroom.json.
"use strict";
(function () {
  const { t, api, el } = window.steward;

  function result(j) {
    if (!j.result) return "—";
    if (j.result.withheld) return t("console.cleanroom.withheld");
    let s = t("console.cleanroom.size") + " " + j.result.intersection_size;
    if (j.result.intersection_sum !== null && j.result.intersection_sum !== undefined) {
      s += " · " + t("console.cleanroom.sum") + " " + (j.result.intersection_sum / 100).toLocaleString(document.body.dataset.lang, { minimumFractionDigits: 2 });
    }
    return s;
  }

  window.steward.screens.cleanroom = async (root, token, me, show) => {
    const can = (s) => me.scopes.includes(s);
    const status = el("p", { id: "cleanroom-status", role: "status" });
    const fail = (e) => { status.textContent = t("console.error.generic") + " " + e.message; status.className = "error"; };
    root.append(el("h2", { text: t("console.cleanroom.heading") }), el("p", { class: "help", text: t("console.cleanroom.intro") }), status);

    const [pl, jl] = await Promise.all([api("GET", "/api/v1/partners", token), api("GET", "/api/v1/cleanroom/jobs", token)]);
    const names = {};
    for (const p of pl.partners) names[p.id] = p.name;

    // Partners.
    root.append(el("h3", { text: t("console.cleanroom.partners") }),
      el("p", { class: "help", id: "cleanroom-self", text: t("console.cleanroom.self") + " " + pl.self.url + " · " + t("console.cleanroom.key") + " " + pl.self.key }));
    if (pl.partners.length === 0) {
      root.append(el("p", { id: "cleanroom-nopartners", text: t("console.cleanroom.nopartners") }));
    } else {
      const tbody = el("tbody");
      for (const p of pl.partners) {
        const act = el("td");
        if (can("partners:write") && (p.status === "active" || p.status === "suspended")) {
          const ev = p.status === "active" ? "suspend" : "resume";
          const b = el("button", { type: "button", id: "partner-" + ev + "-" + p.id, text: t("console.cleanroom." + ev) });
          b.addEventListener("click", async () => {
            try { await api("POST", "/api/v1/partners/" + p.id + "/" + ev, token); await show("cleanroom", token, me); } catch (e) { fail(e); }
          });
          act.append(b);
        }
        tbody.append(el("tr", {}, el("td", { text: p.name }), el("td", { text: p.url }), el("td", { class: "mono", text: p.key.slice(0, 12) + "…" }),
          el("td", { text: t("console.cleanroom.status." + p.status) }), el("td", { text: t(p.invited ? "console.cleanroom.weinvited" : "console.cleanroom.theyinvited") }), act));
      }
      root.append(el("div", { class: "scroll" }, el("table", { id: "partners-table" }, el("thead", {}, el("tr", {},
        el("th", { text: t("console.cleanroom.name") }), el("th", { text: t("console.cleanroom.url") }), el("th", { text: t("console.cleanroom.key") }),
        el("th", { text: t("console.cleanroom.statuscol") }), el("th", { text: t("console.cleanroom.pairing") }), el("th", {}))), tbody)));
    }
    if (can("partners:write")) {
      const token1 = el("textarea", { id: "invite-token", readonly: "readonly", rows: "3", hidden: "hidden" });
      const mk = el("button", { type: "button", id: "invite-create", text: t("console.cleanroom.invite") });
      mk.addEventListener("click", async () => {
        try {
          const inv = await api("POST", "/api/v1/partners/invites", token);
          token1.value = inv.invite; token1.hidden = false;
          status.className = ""; status.textContent = t("console.cleanroom.invitemade") + " " + inv.expires_at;
        } catch (e) { fail(e); }
      });
      const acc = el("textarea", { id: "accept-token", rows: "3" });
      const form = el("form", { id: "accept-form" }, el("label", { for: "accept-token", text: t("console.cleanroom.accept") }),
        el("p", { class: "help", text: t("console.cleanroom.accepthelp") }), acc, el("p", {}, el("button", { type: "submit", id: "accept-submit", text: t("console.cleanroom.acceptsubmit") })));
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        try { await api("POST", "/api/v1/partners", token, { invite: acc.value.trim() }); await show("cleanroom", token, me); } catch (e) { fail(e); }
      });
      root.append(el("p", { class: "help", text: t("console.cleanroom.invitehelp") }), el("p", {}, mk), token1, form);
    }

    // Jobs: proposals to approve first, then the rest.
    root.append(el("h3", { text: t("console.cleanroom.jobs") }));
    if (jl.jobs.length === 0) root.append(el("p", { id: "cleanroom-nojobs", text: t("console.cleanroom.nojobs") }));
    else {
      const tbody = el("tbody");
      const pending = (j) => j.state === "proposed" && !j.approved;
      const jobs = jl.jobs.slice().sort((a, b) => (pending(b) ? 1 : 0) - (pending(a) ? 1 : 0));
      for (const j of jobs) {
        const act = el("td");
        if (pending(j) && can("cleanroom:approve")) {
          const seg = el("input", { id: "approve-segment-" + j.id, placeholder: t("console.cleanroom.segment"), "aria-label": t("console.cleanroom.segment") });
          const ok = el("button", { type: "button", id: "approve-" + j.id, text: t("console.cleanroom.approve") });
          const no = el("button", { type: "button", id: "refuse-" + j.id, text: t("console.cleanroom.refuse") });
          ok.addEventListener("click", async () => {
            try { await api("POST", "/api/v1/cleanroom/jobs/" + j.id + "/approve", token, seg.value ? { segment: seg.value } : {}); await show("cleanroom", token, me); } catch (e) { fail(e); }
          });
          no.addEventListener("click", async () => {
            try { await api("POST", "/api/v1/cleanroom/jobs/" + j.id + "/refuse", token); await show("cleanroom", token, me); } catch (e) { fail(e); }
          });
          act.append(seg, " ", ok, " ", no);
        }
        const what = t("console.cleanroom.protocol." + j.protocol) + " · " + j.match_on + (j.value ? " · " + j.value.event + " / " + j.value.property + " / " + j.value.window : "");
        const appr = (j.approved ? "✓" : "…") + " " + t("console.cleanroom.us") + " · " + (j.partner_approved ? "✓" : "…") + " " + t("console.cleanroom.them");
        tbody.append(el("tr", { id: "job-" + j.id }, el("td", { text: names[j.partner] || j.partner_name }), el("td", { text: t("console.cleanroom.role." + j.role) }),
          el("td", { text: what }), el("td", { text: j.purpose }), el("td", { class: "state", text: t("console.cleanroom.state." + j.state) + (j.error ? " — " + j.error : "") }),
          el("td", { text: appr }), el("td", { class: "result", text: result(j) }), act));
      }
      root.append(el("div", { class: "scroll" }, el("table", { id: "jobs-table" }, el("thead", {}, el("tr", {},
        el("th", { text: t("console.cleanroom.partner") }), el("th", { text: t("console.cleanroom.rolecol") }), el("th", { text: t("console.cleanroom.what") }),
        el("th", { text: t("console.cleanroom.purpose") }), el("th", { text: t("console.cleanroom.statecol") }), el("th", { text: t("console.cleanroom.approvals") }),
        el("th", { text: t("console.cleanroom.result") }), el("th", {}))), tbody)));
    }

    // Propose a job to an active partner.
    const active = pl.partners.filter((p) => p.status === "active");
    if (can("cleanroom:write") && active.length > 0) {
      const sel = (id, opts) => el("select", { id }, ...opts.map(([v, k]) => el("option", { value: v, text: k })));
      const partner = sel("propose-partner", active.map((p) => [p.id, p.name]));
      const protocol = sel("propose-protocol", [["intersection_sum", t("console.cleanroom.protocol.intersection_sum")], ["psi_cardinality", t("console.cleanroom.protocol.psi_cardinality")]]);
      const match = sel("propose-match", [["email", t("console.cleanroom.match.email")], ["phone", t("console.cleanroom.match.phone")]]);
      const purpose = el("input", { id: "propose-purpose", value: "measurement.clean_room" });
      const event = el("input", { id: "propose-event", value: "Order Completed" });
      const prop = el("input", { id: "propose-property", value: "total" });
      const win = el("input", { id: "propose-window", value: "30d" });
      const form = el("form", { id: "propose-form" },
        el("label", { for: "propose-partner", text: t("console.cleanroom.partner") }), partner,
        el("label", { for: "propose-protocol", text: t("console.cleanroom.protocolcol") }), protocol,
        el("label", { for: "propose-match", text: t("console.cleanroom.matchon") }), match,
        el("label", { for: "propose-purpose", text: t("console.cleanroom.purpose") }), purpose,
        el("label", { for: "propose-event", text: t("console.cleanroom.value") }), el("p", { class: "help", text: t("console.cleanroom.valuehelp") }), event, prop, win,
        el("p", {}, el("button", { type: "submit", id: "propose-submit", text: t("console.cleanroom.propose") })));
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        const body = { partner: partner.value, protocol: protocol.value, match_on: match.value, purpose: purpose.value };
        if (protocol.value === "intersection_sum") body.value = { event: event.value, property: prop.value, window: win.value };
        try { await api("POST", "/api/v1/cleanroom/jobs", token, body); await show("cleanroom", token, me); } catch (e) { fail(e); }
      });
      root.append(el("h3", { text: t("console.cleanroom.new") }), el("p", { class: "help", text: t("console.cleanroom.newhelp") }), form);
    }
  };
})();
