// Compliance (issue 26): the evidence bundle for an audit (one signed archive, verified
// offline with `steward compliance verify`), the retention in force and its daily passes,
// the cross-border transfer register against the CAC thresholds, assessments with their
// review workflow, and the breach register with its PIPL Art. 57 notices.
"use strict";
(function () {
  const { t, api, el } = window.steward;
  window.steward.screens = window.steward.screens || {};
  window.steward.screens.compliance = async (root, token, me) => {
    const canWrite = me.scopes.includes("manifest:write");
    const lang = document.body.dataset.lang;
    const fmt = (s) => (s ? new Date(s).toISOString().replace("T", " ").slice(0, 16) + " UTC" : "—");
    const table = (id, heads, rows) => el("table", { id }, el("thead", {}, el("tr", {}, ...heads.map((h) => el("th", { scope: "col", text: t(h) })))),
      el("tbody", {}, ...rows));
    const row = (...cells) => el("tr", {}, ...cells.map((c) => (c instanceof Node ? el("td", {}, c) : el("td", { text: String(c) }))));
    const fail = (box, e) => box.replaceChildren(el("p", { class: "error", role: "alert", text: t("console.error.generic") + " " + e.message }));

    root.append(el("h2", { text: t("console.compliance.heading") }), el("p", { class: "help", text: t("console.compliance.intro") }));

    // The evidence bundle.
    const bundleOut = el("div", { id: "bundle-status", "aria-live": "polite" });
    const bundleBtn = el("button", { type: "button", id: "bundle-make", class: "primary", text: t("console.compliance.bundle") });
    bundleBtn.addEventListener("click", async () => {
      bundleBtn.setAttribute("disabled", "");
      bundleOut.replaceChildren(el("p", { text: t("console.compliance.bundling") }));
      try {
        const res = await fetch("/api/v1/compliance/bundle", { method: "POST", headers: { "Authorization": "Bearer " + token } });
        if (!res.ok) { const e = await res.json(); throw new Error(e.error ? e.error.message : res.statusText); }
        const blob = await res.blob();
        const name = (res.headers.get("Content-Disposition") || "").replace(/.*filename="([^"]+)".*/, "$1") || "steward-compliance.tar";
        const a = el("a", { id: "bundle-download", href: URL.createObjectURL(blob), download: name, text: t("console.compliance.download") + " " + name });
        const pdf = res.headers.get("X-Steward-Bundle-PDF") === "true";
        bundleOut.replaceChildren(el("p", { id: "bundle-made", text: t("console.compliance.made").replace("{files}", res.headers.get("X-Steward-Bundle-Files")).replace("{bytes}", String(blob.size)) +
          " " + t(pdf ? "console.compliance.withpdf" : "console.compliance.nopdf") }), a,
          el("p", { class: "help", text: t("console.compliance.verifyhelp") }), el("pre", { text: "steward compliance verify " + name + " --key-file DIR/keys/audit.pub" }));
        a.click();
      } catch (e) { fail(bundleOut, e); } finally { bundleBtn.removeAttribute("disabled"); }
    });
    root.append(el("section", { id: "compliance-bundle" }, el("h3", { text: t("console.compliance.bundleheading") }),
      el("p", { class: "help", text: t("console.compliance.bundlehelp") }), bundleBtn, bundleOut));

    // Retention.
    const retBox = el("section", { id: "compliance-retention" }, el("h3", { text: t("console.compliance.retention") }));
    root.append(retBox);
    async function renderRetention() {
      const ret = await api("GET", "/api/v1/retention", token);
      const body = [el("p", { class: "help", text: t("console.compliance.retentionhelp") }),
        table("retention-categories", ["console.compliance.category", "console.compliance.days", "console.compliance.onexpiry"],
          ret.plan.categories.map((c) => row(c.category, c.days, t("console.compliance.expiry." + c.on_expiry)))),
        el("h4", { text: t("console.compliance.runs") }),
        ret.runs.length ? table("retention-runs", ["console.compliance.ran", "console.compliance.deleted", "console.compliance.anonymised", "console.compliance.pruned", "console.compliance.people"],
          ret.runs.map((r) => row(fmt(r.at), r.detail.events_deleted, r.detail.events_anonymised, r.detail.events_pruned, r.detail.subjects)))
          : el("p", { id: "retention-none", text: t("console.compliance.norun") })];
      if (canWrite) {
        const b = el("button", { type: "button", id: "retention-run", text: t("console.compliance.runnow") });
        b.addEventListener("click", async () => {
          b.setAttribute("disabled", "");
          try { await api("POST", "/api/v1/retention/runs", token); await renderRetention(); } catch (e) { fail(retBox, e); }
        });
        body.push(b);
      }
      retBox.replaceChildren(el("h3", { text: t("console.compliance.retention") }), ...body);
    }

    // Transfers.
    const trBox = el("section", { id: "compliance-transfers" });
    root.append(trBox);
    async function renderTransfers() {
      const reg = await api("GET", "/api/v1/transfers", token);
      const share = (n, of) => n + " / " + of + " (" + (100 * n / of).toFixed(1) + "%)";
      trBox.replaceChildren(el("h3", { text: t("console.compliance.transfers") + " " + reg.year }),
        el("p", { class: "help", text: t("console.compliance.transfershelp") }),
        table("transfer-recipients", ["console.compliance.recipient", "console.compliance.countries", "console.compliance.mechanism", "console.compliance.inforce"],
          reg.recipients.filter((r) => r.abroad).map((r) => row(r.name, r.countries.join(", "),
            r.mechanism ? r.mechanism.kind + " · " + (r.mechanism.reference || "—") + (r.mechanism.valid_until ? " · " + r.mechanism.valid_until : "") : t("console.compliance.none"),
            r.mechanism && r.mechanism.in_force ? t("console.compliance.yes") : t("console.compliance.no") + (r.mechanism && r.mechanism.why ? ": " + r.mechanism.why : "")))),
        el("dl", { id: "transfer-counters" },
          el("dt", { text: t("console.compliance.general") }), el("dd", { text: share(reg.general_individuals, reg.thresholds.exempt_general) + " · " + share(reg.general_individuals, reg.thresholds.contract_general) }),
          el("dt", { text: t("console.compliance.sensitive") }), el("dd", { text: share(reg.sensitive_individuals, reg.thresholds.contract_sensitive) })),
        ...reg.warnings.map((w) => el("p", { class: "warn", role: "status", text: "⚠ " + w.message })),
        reg.entries.length ? table("transfer-entries", ["console.compliance.when", "console.compliance.kind", "console.compliance.recipient", "console.compliance.purpose", "console.compliance.people"],
          reg.entries.slice(0, 20).map((e) => row(fmt(e.at), e.kind, e.recipient + " (" + e.country + ")", e.purpose, e.individuals)))
          : el("p", { id: "transfer-none", text: t("console.compliance.notransfer") }));
    }

    // Assessments.
    const asBox = el("section", { id: "compliance-assessments" });
    root.append(asBox);
    async function renderAssessments() {
      const data = await api("GET", "/api/v1/assessments", token);
      const step = (a, kind) => {
        const b = el("button", { type: "button", "data-id": a.id, class: "step-" + kind, text: t("console.compliance." + kind) });
        b.addEventListener("click", async () => {
          try { await api("POST", "/api/v1/assessments/" + a.id + "/" + kind, token, {}); await renderAssessments(); } catch (e) { fail(asBox, e); }
        });
        return b;
      };
      const rows = data.assessments.map((a) => row(a.kind, a.purpose || t("console.compliance.all"), a.overdue ? t("console.compliance.overdue") : t("console.compliance.status." + a.status),
        fmt(a.created_at), a.review_due ? fmt(a.review_due) : "—",
        canWrite && a.status === "draft" ? step(a, "review") : canWrite && a.status === "reviewed" ? step(a, "approve") : el("span", { text: "" })));
      const needs = data.needs.map((n) => el("li", { text: n.purpose + " — " + n.triggers.map((x) => t("console.compliance.trigger." + x)).join(", ") }));
      const parts = [el("h3", { text: t("console.compliance.assessments") }), el("p", { class: "help", text: t("console.compliance.assessmentshelp") }),
        el("ul", { id: "assessment-needs" }, ...needs),
        data.assessments.length ? table("assessment-list", ["console.compliance.kind", "console.compliance.purpose", "console.compliance.status", "console.compliance.drafted", "console.compliance.due", ""], rows)
          : el("p", { id: "assessment-none", text: t("console.compliance.noassessment") })];
      if (canWrite) {
        const ropa = el("button", { type: "button", id: "assessment-ropa", text: t("console.compliance.draftropa") });
        ropa.addEventListener("click", async () => {
          try { await api("POST", "/api/v1/assessments", token, { kind: "ropa" }); await renderAssessments(); } catch (e) { fail(asBox, e); }
        });
        parts.push(ropa);
      }
      asBox.replaceChildren(...parts);
    }

    // Incidents.
    const inBox = el("section", { id: "compliance-incidents" });
    root.append(inBox);
    async function renderIncidents() {
      const data = await api("GET", "/api/v1/incidents", token);
      const items = data.incidents.map((i) => el("details", { class: "incident", "data-id": i.id },
        el("summary", { text: (i.drill ? "[" + t("console.compliance.drill") + "] " : "") + i.title + " · " + i.affected + " " + t("console.compliance.people").toLowerCase() +
          " · " + (i.regulator_notified_at ? t("console.compliance.notified") + " " + fmt(i.regulator_notified_at) : (i.overdue ? t("console.compliance.overdue") : t("console.compliance.due") + " " + fmt(i.regulator_due))) }),
        el("p", { text: t("console.compliance.categories") + ": " + (i.categories.join(", ") || "—") }),
        i.missing.length ? el("p", { class: "warn", text: t("console.compliance.missing") + ": " + i.missing.join(", ") }) : null,
        el("h4", { text: t("console.compliance.regulatornotice") }), el("pre", { text: i.notices.regulator[lang] || i.notices.regulator.en }),
        el("h4", { text: t("console.compliance.individualnotice") }), el("pre", { text: i.notices.individual[lang] || i.notices.individual.en })));
      inBox.replaceChildren(el("h3", { text: t("console.compliance.incidents") }), el("p", { class: "help", text: t("console.compliance.incidentshelp") }),
        ...(items.length ? items : [el("p", { id: "incident-none", text: t("console.compliance.noincident") })]));
    }

    await Promise.all([renderRetention(), renderTransfers(), renderAssessments(), renderIncidents()].map((p) => p.catch((e) =>
      root.append(el("p", { class: "error", role: "alert", text: t("console.error.generic") + " " + e.message })))));
  };
})();
