// The privacy tiers section of the privacy center (issue 25): the person's level, derived
// from their consents; every level with what it asks, what it gives and what the data is
// worth; one button per level, all alike, so going down is as prominent as going up; the
// points ledger, explained; the privacy subscription; the financial-incentive terms.
"use strict";
(function () {
  const { t, api, el } = window.steward;
  const money = (v) => (v.currency === "CNY" ? "¥" : v.currency + " ") + Number(v.amount).toFixed(v.amount % 1 ? 2 : 0);
  const per = (p) => t(p === "year" ? "privacy.tier.peryear" : "privacy.tier.permonth");
  const day = (s) => String(s).slice(0, 10);

  // The last change's summary, kept across the redraw that follows it.
  let recorded = "";

  window.steward.sections.tier = async function (root, section, ctx) {
    const [st, pts, notice] = await Promise.all([
      api("GET", section.href || "/api/v1/me/tier", ctx.token),
      api("GET", "/api/v1/me/points", ctx.token),
      api("GET", "/sdk/notice.json", ctx.token).catch(() => null),
    ]);
    const inc = notice && notice.incentives;
    const status = el("p", { id: "tier-status", role: "status", text: recorded });
    root.replaceChildren(el("h2", { id: "tier-h", text: t("privacy.tier.heading") }),
      el("p", { class: "help", text: inc ? inc.summary : t("privacy.tier.intro") }));

    const current = st.tiers.find((x) => x.current);
    root.append(el("p", { id: "tier-current" }, el("strong", { text: current ? t("privacy.tier.yours") + " " + current.label : t("privacy.tier.ownmix") })));

    // One card per level, most sharing first; every card has the same button.
    const list = el("ol", { id: "tier-list", class: "tiers" });
    for (const x of st.tiers) {
      const card = el("li", { "data-tier": x.name, class: x.current ? "tier current" : "tier" });
      if (x.current) card.setAttribute("aria-current", "true");
      card.append(el("h3", { text: x.label }));
      card.append(el("p", { class: "asks", text: x.purpose_names.length ? t("privacy.tier.asks") + " " + x.purpose_names.join(t("privacy.tier.sep")) : t("privacy.tier.asksnothing") }));
      const gives = el("ul", { class: "gives", "aria-label": t("privacy.tier.gives") });
      for (const b of x.benefits) gives.append(el("li", { "data-benefit": b.kind, text: b.label }));
      if (!x.benefits.length) gives.append(el("li", { text: t("privacy.tier.nobenefit") }));
      card.append(el("p", { text: t("privacy.tier.gives") }), gives);
      if (x.value) {
        card.append(el("p", { class: "value", text: t("privacy.tier.value") + " " + money(x.value) + " " + per(x.value.per) }),
          el("p", { class: "method", text: x.value.method }));
      }
      const b = el("button", { type: "button", class: "choose", id: "tier-choose-" + x.name, "aria-pressed": String(!!x.current),
        "aria-label": t("privacy.tier.choose") + ": " + x.label, text: x.current ? t("privacy.tier.chosen") : t("privacy.tier.choose") });
      if (x.current) b.disabled = true;
      b.onclick = async () => {
        let res;
        try { res = await api("POST", "/api/v1/me/tier", ctx.token, { tier: x.name }); } catch (e) { ctx.fail(e); return; }
        const g = res.changes.filter((c) => c.granted).length, w = res.changes.length - g;
        recorded = t("privacy.tier.recorded").replace("{tier}", x.label).replace("{granted}", g).replace("{withdrawn}", w);
        await ctx.reload();
      };
      card.append(b);
      list.append(card);
    }
    root.append(list, status);

    // Points: balance, then every entry with its reason.
    const pl = el("ul", { id: "points-list", class: "rows" });
    for (const e of pts.entries) {
      pl.append(el("li", { "data-period": e.period || "" }, el("span", { text: (e.kind === "earn" ? "+" : "−") + e.points }),
        el("span", { text: e.explanation }), el("span", { class: "state", text: day(e.at) })));
    }
    if (!pts.entries.length) pl.append(el("li", { text: t("privacy.tier.nopoints") }));
    root.append(el("h3", { text: t("privacy.tier.points") }),
      el("p", { id: "points-balance", text: t("privacy.tier.balance") + " " + pts.balance }), pl);

    // The privacy subscription.
    const sub = el("div", { id: "subscription" });
    if (st.subscription) {
      sub.append(el("p", { id: "subscription-active", text: t("privacy.tier.subactive").replace("{until}", day(st.subscription.ends_at)) }));
    }
    if (st.offer) {
      sub.append(el("p", { text: st.offer.label + " — " + t("privacy.tier.subwhat") }));
      const opts = [];
      if (st.offer.points_per_month) opts.push(st.offer.points_per_month + " " + t("privacy.tier.pointsmonth"));
      if (st.offer.price) opts.push(money(st.offer.price) + " " + per(st.offer.price.per) + " " + t("privacy.tier.inshop"));
      sub.append(el("p", { text: opts.join(t("privacy.tier.or")) }));
      if (st.offer.points_per_month) {
        const months = el("select", { id: "subscription-months", "aria-label": t("privacy.tier.months") });
        for (let i = 1; i <= st.offer.max_months; i++) months.append(el("option", { value: String(i), text: i + " " + t("privacy.tier.monthsunit") }));
        const buy = el("button", { type: "button", id: "subscription-redeem", text: t("privacy.tier.redeem") });
        buy.onclick = async () => {
          const n = Number(months.value);
          if (n * st.offer.points_per_month > pts.balance) { status.textContent = t("privacy.tier.short"); return; }
          try { await api("POST", "/api/v1/me/subscription", ctx.token, { months: n }); } catch (e) { ctx.fail(e); return; }
          await ctx.reload();
        };
        sub.append(el("p", {}, months, " ", buy));
      }
    }
    root.append(el("h3", { text: t("privacy.tier.subscription") }), sub);

    if (inc && inc.terms) {
      const terms = el("ul", { id: "tier-terms" });
      for (const line of inc.terms) terms.append(el("li", { text: line }));
      root.append(el("h3", { text: t("privacy.tier.terms") }), terms);
    }
  };
})();
