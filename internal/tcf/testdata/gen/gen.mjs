// gen.mjs builds TC string test vectors for internal/tcf with IAB Tech Lab's
// reference library and writes ../vectors.json and ../malformed.json.
//
//   cd internal/tcf/testdata/gen && npm ci && node gen.mjs
//
// Two pinned releases are used: @iabtechlabtcf/core 1.5.21 (TCF 2.3, policy
// version 5) and @iabtcf/core 1.5.6, the last release under the old package
// name, for TCF 2.2 strings (policy version 4; the bit layout is the same).
//
// No Global Vendor List is fetched. TCString.encode insists on a loaded GVL
// and, through its SemanticPreEncoder, rewrites the model from it (consent
// language, vendors without declared purposes, disclosed vendors). Most
// vectors therefore set every field on the TCModel and call the library's
// own SegmentEncoder per segment, joining segments with '.' exactly as
// TCString.encode does. Publisher restrictions need a GVL to group vendor
// ranges, so those models get a small in-memory vendor list (GVL accepts a
// VendorList object and never touches the network for it). Two "pipeline"
// vectors go through TCString.encode with such an in-memory GVL to cover
// the library's default segment choice too.
//
// Every string is decoded again with the same library and the expectation
// is what that decode reports, not what the model was built from.

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import * as tcf23 from '@iabtechlabtcf/core';
import * as tcf22 from '@iabtcf/core';

const here = dirname(fileURLToPath(import.meta.url));

const LIBS = {
  '2.3': { lib: tcf23, name: '@iabtechlabtcf/core@1.5.21', policyVersion: 5 },
  '2.2': { lib: tcf22, name: '@iabtcf/core@1.5.6', policyVersion: 4 },
};

const range = (a, b, step = 1) => {
  const out = [];
  for (let i = a; i <= b; i += step) out.push(i);
  return out;
};

const day = (y, m, d) => new Date(Date.UTC(y, m - 1, d));

// vendorList returns an in-memory GVL document declaring the given vendors
// with flexible purposes, so every restriction type is acceptable for them.
function vendorList(ids, policyVersion) {
  const vendors = {};
  for (const id of ids) {
    vendors[id] = {
      id,
      name: `Vendor ${id}`,
      purposes: range(1, 11),
      legIntPurposes: [2, 7, 8, 9, 10, 11],
      flexiblePurposes: [2, 7, 8, 9, 10, 11],
      specialPurposes: [1, 2],
      features: [],
      specialFeatures: [1, 2],
      policyUrl: 'https://vendor.example/privacy',
      cookieMaxAgeSeconds: 86400,
      usesCookies: true,
      cookieRefresh: false,
      usesNonCookieAccess: false,
    };
  }
  const defs = (n) => Object.fromEntries(range(1, n).map((id) => [id, { id, name: `#${id}`, description: '', illustrations: [] }]));
  return {
    gvlSpecificationVersion: 3,
    vendorListVersion: 100,
    tcfPolicyVersion: policyVersion,
    lastUpdated: '2026-01-01T00:00:00Z',
    purposes: defs(11),
    specialPurposes: defs(2),
    features: defs(3),
    specialFeatures: defs(2),
    stacks: {},
    dataCategories: {},
    vendors,
  };
}

// build makes a TCModel from a plain spec.
function build(L, policyVersion, s) {
  const m = new L.TCModel();
  m.cmpId = s.cmpId;
  m.cmpVersion = s.cmpVersion ?? 1;
  m.consentScreen = s.consentScreen ?? 0;
  m.consentLanguage = s.lang ?? 'EN';
  m.publisherCountryCode = s.cc ?? 'AA';
  m.vendorListVersion = s.vlv ?? 100;
  m.policyVersion = s.policyVersion ?? policyVersion;
  m.isServiceSpecific = s.serviceSpecific ?? false;
  // The field was renamed between the two releases.
  m.useNonStandardTexts = s.nonStandardTexts ?? false;
  m.useNonStandardStacks = s.nonStandardTexts ?? false;
  m.purposeOneTreatment = s.purposeOneTreatment ?? false;
  m.created = s.created ?? day(2026, 3, 2);
  m.lastUpdated = s.lastUpdated ?? s.created ?? day(2026, 3, 2);
  m.purposeConsents.set(s.purposes ?? []);
  m.purposeLegitimateInterests.set(s.purposesLI ?? []);
  m.specialFeatureOptins.set(s.specialFeatures ?? []);
  m.vendorConsents.set(s.vendors ?? []);
  m.vendorLegitimateInterests.set(s.vendorsLI ?? []);
  m.vendorsDisclosed.set(s.disclosed ?? []);
  if (s.publisher) {
    m.publisherConsents.set(s.publisher.purposes ?? []);
    m.publisherLegitimateInterests.set(s.publisher.purposesLI ?? []);
    m.numCustomPurposes = s.publisher.numCustom ?? 0;
    m.publisherCustomConsents.set(s.publisher.custom ?? []);
    m.publisherCustomLegitimateInterests.set(s.publisher.customLI ?? []);
  }
  if (s.restrictions) {
    const ids = [...new Set(s.restrictions.flatMap((r) => r.vendors))];
    m.publisherRestrictions.gvl = new L.GVL(vendorList([...ids, ...(s.gvlExtra ?? [])], m.policyVersion));
    for (const r of s.restrictions) {
      const pr = new L.PurposeRestriction(r.purpose, r.type);
      for (const v of r.vendors) m.publisherRestrictions.add(v, pr);
    }
  }
  return m;
}

const SEG = { core: 'CORE', disclosed: 'VENDORS_DISCLOSED', publisher: 'PUBLISHER_TC', allowed: 'VENDORS_ALLOWED' };

function encodeSegments(L, m, segments) {
  return segments.map((s) => L.SegmentEncoder.encode(m, L.Segment[SEG[s]])).join('.');
}

const ids = (vec) => {
  const out = [];
  vec.forEach((on, id) => {
    if (on) out.push(id);
  });
  return out;
};

// expected reads back what the library decodes.
function expected(L, str, hasPublisher) {
  const m = L.TCString.decode(str);
  const restrictions = m.publisherRestrictions
    .getRestrictions()
    .map((pr) => ({
      purpose: pr.purposeId,
      type: pr.restrictionType,
      vendors: m.publisherRestrictions.getVendors(pr).sort((a, b) => a - b),
    }))
    .sort((a, b) => a.purpose - b.purpose || a.type - b.type);
  return {
    expected: {
      cmp_id: m.cmpId,
      cmp_version: m.cmpVersion,
      vendor_list_version: m.vendorListVersion,
      tcf_policy_version: m.policyVersion,
      consent_language: m.consentLanguage,
      publisher_cc: m.publisherCountryCode,
      purpose_consents: ids(m.purposeConsents),
      purpose_legitimate_interests: ids(m.purposeLegitimateInterests),
      special_feature_optins: ids(m.specialFeatureOptins),
      vendor_consents: ids(m.vendorConsents),
      vendor_legitimate_interests: ids(m.vendorLegitimateInterests),
      vendors_disclosed: ids(m.vendorsDisclosed),
    },
    details: {
      created: m.created.toISOString(),
      last_updated: m.lastUpdated.toISOString(),
      consent_screen: m.consentScreen,
      is_service_specific: m.isServiceSpecific,
      use_non_standard_texts: Boolean(m.useNonStandardTexts ?? m.useNonStandardStacks),
      purpose_one_treatment: m.purposeOneTreatment,
      publisher_restrictions: restrictions,
      publisher: hasPublisher
        ? {
            purpose_consents: ids(m.publisherConsents),
            purpose_legitimate_interests: ids(m.publisherLegitimateInterests),
            num_custom_purposes: m.numCustomPurposes,
            custom_purpose_consents: ids(m.publisherCustomConsents),
            custom_purpose_legitimate_interests: ids(m.publisherCustomLegitimateInterests),
          }
        : null,
    },
  };
}

// ---- the valid models ----

const ALL = range(1, 11);
const LI_OK = [2, 7, 8, 9, 10, 11];

const specs = [];
const add = (version, name, spec) => specs.push({ version, name, spec });

for (const v of ['2.3', '2.2']) {
  const p = v.replace('.', '');
  add(v, `v${p}-empty-choices`, { cmpId: 2, segments: ['core', 'disclosed'] });
  add(v, `v${p}-accept-all`, {
    cmpId: 10, cmpVersion: 3, consentScreen: 1, lang: 'EN', cc: 'GB',
    purposes: ALL, purposesLI: LI_OK, specialFeatures: [1, 2],
    vendors: range(1, 40), vendorsLI: range(1, 40, 3), disclosed: range(1, 40),
    segments: ['core', 'disclosed'],
  });
  add(v, `v${p}-reject-all-li-kept`, {
    cmpId: 28, lang: 'FR', cc: 'FR', purposesLI: LI_OK,
    vendorsLI: [8, 21, 32, 52, 76], disclosed: [8, 21, 32, 52, 76, 91],
    segments: ['core', 'disclosed'],
  });
  add(v, `v${p}-bitfield-scattered`, {
    cmpId: 300, cmpVersion: 12, lang: 'DE', cc: 'DE', purposes: [1, 2, 7, 10],
    vendors: [2, 6, 8, 12, 18, 23, 37, 42, 47, 48, 53, 61, 65, 66, 70, 80, 88, 91, 93, 98],
    vendorsLI: [6, 18, 61], disclosed: range(1, 100, 2).concat([2, 6, 8, 12, 18, 98]),
    segments: ['core', 'disclosed'],
  });
  add(v, `v${p}-range-contiguous`, {
    cmpId: 7, lang: 'NL', cc: 'NL', purposes: [1, 3, 4],
    vendors: range(1, 700).concat(range(800, 900)), vendorsLI: range(100, 200),
    disclosed: range(1, 1000), segments: ['core', 'disclosed'],
  });
  add(v, `v${p}-large-vendor-ids`, {
    cmpId: 4095, cmpVersion: 4095, consentScreen: 63, vlv: 4095, lang: 'PL', cc: 'PL',
    purposes: [1], vendors: [1, 40000, 65000, 65535], vendorsLI: [65535],
    disclosed: [1, 2, 3, 40000, 65000, 65534, 65535], segments: ['core', 'disclosed'],
  });
  add(v, `v${p}-dense-bitfield`, {
    cmpId: 21, lang: 'IT', cc: 'IT', purposes: ALL, purposesLI: [2, 7],
    vendors: range(1, 3000, 2), vendorsLI: range(2, 600, 2), disclosed: range(1, 3000),
    segments: ['core', 'disclosed'],
  });
  add(v, `v${p}-no-disclosed-segment`, {
    cmpId: 5, lang: 'ES', cc: 'ES', purposes: [1, 2], vendors: [10, 11, 12],
    created: day(2025, 10, 14), segments: ['core'],
  });
  add(v, `v${p}-publisher-tc`, {
    cmpId: 134, serviceSpecific: true, lang: 'SV', cc: 'SE', purposes: [1, 2, 3, 4, 7],
    vendors: [755, 793], disclosed: [755, 793, 804],
    publisher: { purposes: [1, 2, 7, 8], purposesLI: [2, 10], numCustom: 5, custom: [1, 3], customLI: [2, 5] },
    segments: ['core', 'disclosed', 'publisher'],
  });
  add(v, `v${p}-publisher-tc-63-custom`, {
    cmpId: 2000, serviceSpecific: true, lang: 'PT', cc: 'PT', purposes: ALL,
    publisher: { purposes: ALL, purposesLI: LI_OK, numCustom: 63, custom: range(1, 63, 2), customLI: [1, 62, 63] },
    disclosed: [], segments: ['core', 'disclosed', 'publisher'],
  });
  add(v, `v${p}-publisher-before-disclosed`, {
    cmpId: 92, serviceSpecific: true, lang: 'DA', cc: 'DK', purposes: [1, 9], vendors: [1, 2],
    disclosed: [1, 2, 3], publisher: { purposes: [1], numCustom: 0 },
    segments: ['core', 'publisher', 'disclosed'],
  });
  add(v, `v${p}-restrictions`, {
    cmpId: 31, serviceSpecific: true, lang: 'FI', cc: 'FI', purposes: ALL, purposesLI: LI_OK,
    vendors: [1, 2, 3, 4, 5, 10, 50], vendorsLI: [1, 2, 50], disclosed: range(1, 50),
    restrictions: [
      { purpose: 2, type: 0, vendors: [1, 2, 3] },
      { purpose: 7, type: 1, vendors: [4, 5, 10] },
      { purpose: 10, type: 2, vendors: [50] },
      { purpose: 4, type: 0, vendors: [10, 11, 12, 13, 40] },
    ],
    gvlExtra: [20, 30],
    segments: ['core', 'disclosed'],
  });
}

// 2.3-only variety: languages, flags, dates, special features.
add('2.3', 'v23-purpose-one-treatment', {
  cmpId: 68, serviceSpecific: true, purposeOneTreatment: true, lang: 'EN', cc: 'DE',
  purposes: [2, 3, 4], disclosed: [1], segments: ['core', 'disclosed'],
});
add('2.3', 'v23-non-standard-texts', {
  cmpId: 99, serviceSpecific: true, nonStandardTexts: true, lang: 'EL', cc: 'GR',
  purposes: [1], vendors: [3], disclosed: [3], segments: ['core', 'disclosed'],
});
add('2.3', 'v23-special-feature-1-only', {
  cmpId: 212, lang: 'CS', cc: 'CZ', purposes: [1, 2], specialFeatures: [1],
  vendors: [5], disclosed: [5], segments: ['core', 'disclosed'],
});
add('2.3', 'v23-special-feature-2-only', {
  cmpId: 213, lang: 'HU', cc: 'HU', purposes: [1], specialFeatures: [2],
  vendors: [5], disclosed: [5], segments: ['core', 'disclosed'],
});
add('2.3', 'v23-li-only', {
  cmpId: 14, lang: 'RO', cc: 'RO', purposesLI: LI_OK, vendorsLI: range(1, 80),
  disclosed: range(1, 80), segments: ['core', 'disclosed'],
});
add('2.3', 'v23-future-purpose-bits', {
  cmpId: 15, lang: 'SK', cc: 'SK', purposes: [1, 12, 24], specialFeatures: [1, 12],
  disclosed: [], segments: ['core', 'disclosed'],
});
add('2.3', 'v23-disclosed-only-range', {
  cmpId: 16, lang: 'BG', cc: 'BG', disclosed: range(1, 2000).concat([30000]), segments: ['core', 'disclosed'],
});
add('2.3', 'v23-consent-bitfield-li-range', {
  cmpId: 17, lang: 'HR', cc: 'HR', purposes: [1, 7, 8], purposesLI: [7, 8, 9],
  vendors: [3, 9, 27], vendorsLI: range(1, 500), disclosed: range(1, 500), segments: ['core', 'disclosed'],
});
add('2.3', 'v23-old-created-new-updated', {
  cmpId: 18, lang: 'LT', cc: 'LT', purposes: [1], created: day(2024, 1, 31), lastUpdated: day(2026, 6, 30),
  disclosed: [1], segments: ['core', 'disclosed'],
});
add('2.3', 'v23-decisecond-times', {
  cmpId: 19, lang: 'LV', cc: 'LV', purposes: [1],
  created: new Date(Date.UTC(2026, 2, 5, 13, 44, 21, 300)), lastUpdated: new Date(Date.UTC(2026, 2, 5, 13, 45, 0, 900)),
  disclosed: [1], segments: ['core', 'disclosed'],
});
add('2.3', 'v23-japanese-cmp-ui', {
  cmpId: 300, lang: 'JA', cc: 'AA', purposes: [1, 2], vendors: [1], disclosed: [1], segments: ['core', 'disclosed'],
});
add('2.3', 'v23-chinese-cmp-ui', {
  cmpId: 301, lang: 'ZH', cc: 'AA', purposes: [1, 10], vendors: [2], disclosed: [2], segments: ['core', 'disclosed'],
});
add('2.3', 'v23-no-disclosed-pre-cutover', {
  cmpId: 6, lang: 'ET', cc: 'EE', purposes: ALL, vendors: range(1, 30),
  created: day(2026, 2, 1), segments: ['core'],
});
add('2.3', 'v23-publisher-only-no-disclosed', {
  cmpId: 8, serviceSpecific: true, lang: 'SL', cc: 'SI', purposes: [1],
  publisher: { purposes: [1, 2], numCustom: 2, custom: [2] }, segments: ['core', 'publisher'],
});

// Legitimate interest for purposes 3 to 6 breaks TCF 2.2 policy, but the reference
// library encodes and decodes such strings; internal/tcf decodes them faithfully too and
// reports the violation (issue 17), so they are vectors, not malformed strings.
add('2.3', 'v23-li-purposes-3-6-policy-violation', {
  cmpId: 42, purposes: [1], purposesLI: [2, 3, 4, 5, 6], vendors: [1], vendorsLI: [1], disclosed: [1], segments: ['core', 'disclosed'],
});
add('2.2', 'v22-li-purpose-6-policy-violation', { cmpId: 42, purposesLI: [6], segments: ['core'] });

// ---- the pipeline vectors (TCString.encode with an in-memory GVL) ----

function pipeline(version, name, setup, options) {
  const { lib: L, name: libName, policyVersion } = LIBS[version];
  const gvl = new L.GVL(vendorList(range(1, 60), policyVersion));
  const m = new L.TCModel(gvl);
  m.cmpId = 50;
  m.cmpVersion = 2;
  m.publisherCountryCode = 'IE';
  m.isServiceSpecific = options.serviceSpecific;
  m.created = day(2026, 4, 1);
  m.lastUpdated = day(2026, 4, 1);
  setup(m);
  const str = L.TCString.encode(m, { isForVendors: options.isForVendors });
  const hasPublisher = str.split('.').some((seg) => L.Base64Url.decode(seg).startsWith('011'));
  return { name, library: libName, tc_string: str, ...expected(L, str, hasPublisher) };
}

// ---- write vectors ----

const vectors = specs.map(({ version, name, spec }) => {
  const { lib: L, name: libName, policyVersion } = LIBS[version];
  const m = build(L, policyVersion, spec);
  const str = encodeSegments(L, m, spec.segments);
  return { name, library: libName, tc_string: str, ...expected(L, str, spec.segments.includes('publisher')) };
});

for (const v of ['2.3', '2.2']) {
  const p = v.replace('.', '');
  vectors.push(pipeline(v, `v${p}-pipeline-global`, (m) => {
    m.purposeConsents.set(range(1, 11));
    // The encoder clears purpose 1. 3-6 stay unset: the 1.5.6 encoder predates
    // TCF 2.2 and would keep them, producing a string 2.2 forbids.
    m.purposeLegitimateInterests.set([1, ...LI_OK]);
    m.specialFeatureOptins.set([1]);
    m.vendorConsents.set(range(1, 60));
    m.vendorLegitimateInterests.set(range(1, 60, 2));
    m.vendorsDisclosed.set(range(1, 60));
  }, { serviceSpecific: false, isForVendors: false }));
  vectors.push(pipeline(v, `v${p}-pipeline-service-specific`, (m) => {
    m.purposeConsents.set([1, 2, 7]);
    m.vendorConsents.set([1, 2, 3, 70]); // 70 is not in the GVL and is dropped
    m.vendorsDisclosed.set([1, 2, 3]);
    m.publisherConsents.set([1, 2]);
    m.numCustomPurposes = 3;
    m.publisherCustomConsents.set([2]);
  }, { serviceSpecific: true, isForVendors: true }));
}

// ---- malformed strings ----

const L = tcf23;
const B = L.Base64Url;
const bits = (n, width) => L.IntEncoder.encode(n, width);

// headerBits encodes the core fields before the vendor consent section with
// the library's field encoders, so malformed vendor sections can follow.
function headerBits(m) {
  const seq = new L.FieldSequence()['2'][L.Segment.CORE];
  const enc = L.FieldEncoderMap();
  let out = '';
  for (const key of seq) {
    if (key === 'vendorConsents') break;
    out += enc[key].encode(m[key], L.BitLength[key]);
  }
  return out;
}

const base = () => build(L, 5, { cmpId: 42, purposes: [1, 2], vendors: [1, 2, 3], disclosed: [1, 2, 3] });
const good = encodeSegments(L, base(), ['core', 'disclosed']);
const [goodCore, goodDisclosed] = good.split('.');
const emptyVendors = bits(0, 16) + '0';
const noRestrictions = bits(0, 12);
const core = (body) => B.encode(headerBits(base()) + body);

const malformed = [];
const bad = (name, reason, tcString) => {
  let jsRejects = false;
  try {
    L.TCString.decode(tcString);
  } catch {
    jsRejects = true;
  }
  malformed.push({ name, reason, tc_string: tcString, reference_library_rejects: jsRejects });
};

bad('empty', 'empty', '');
bad('trailing-dot', 'empty', good + '.');
bad('double-dot', 'empty', goodCore + '..' + goodDisclosed);
bad('standard-base64-plus', 'base64', goodCore.slice(0, 10) + '+' + goodCore.slice(11));
bad('base64-padding', 'base64', goodCore + '==');
bad('whitespace', 'base64', ' ' + good);
bad('truncated-header', 'truncated', goodCore.slice(0, 20));
bad('truncated-vendor-bitfield', 'truncated', core(bits(2000, 16) + '0' + '1'.repeat(100)));
bad('truncated-range-entries', 'truncated', core(bits(500, 16) + '1' + bits(3, 12) + '0' + bits(5, 16)));
bad('truncated-disclosed', 'truncated', goodCore + '.' + B.encode('001' + bits(900, 16) + '0' + '1'.repeat(30)));
bad('truncated-publisher-custom', 'truncated', goodCore + '.' + goodDisclosed + '.' + B.encode('011' + '0'.repeat(48) + bits(63, 6)));
{
  const v1 = build(L, 5, { cmpId: 42 });
  v1.version = 1;
  bad('tcf-v1-string', 'version', L.SegmentEncoder.encode(v1, L.Segment.CORE));
}
bad('version-3', 'version', B.encode(bits(3, 6) + headerBits(base()).slice(6) + emptyVendors + emptyVendors + noRestrictions));
bad('policy-version-2', 'policy_version', encodeSegments(L, build(L, 5, { cmpId: 42, policyVersion: 2, purposes: [1] }), ['core']));
bad('policy-version-3', 'policy_version', encodeSegments(L, build(L, 5, { cmpId: 42, policyVersion: 3 }), ['core']));
bad('allowed-vendors-segment', 'segment_type', good + '.' + L.SegmentEncoder.encode(build(L, 5, { cmpId: 42 }), L.Segment.VENDORS_ALLOWED));
bad('segment-type-5', 'segment_type', good + '.' + B.encode('101' + '0'.repeat(21)));
bad('segment-type-7', 'segment_type', good + '.' + B.encode('111' + '0'.repeat(21)));
bad('disclosed-first', 'segment_order', goodDisclosed + '.' + goodCore);
bad('duplicate-disclosed', 'segment_order', good + '.' + goodDisclosed);
bad('duplicate-core', 'segment_order', goodCore + '.' + goodCore);
{
  const h = headerBits(base());
  const langAt = 6 + 36 + 36 + 12 + 12 + 6;
  bad('language-not-letters', 'invalid_value', B.encode(h.slice(0, langAt) + bits(30, 6) + bits(4, 6) + h.slice(langAt + 12) + emptyVendors + emptyVendors + noRestrictions));
  const ccAt = h.length - 12;
  bad('country-not-letters', 'invalid_value', B.encode(h.slice(0, ccAt) + bits(3, 6) + bits(63, 6) + emptyVendors + emptyVendors + noRestrictions));
}
bad('restriction-type-3', 'invalid_value', core(emptyVendors + emptyVendors + bits(1, 12) + bits(2, 6) + '11' + bits(1, 12) + '0' + bits(7, 16)));
bad('restriction-purpose-0', 'invalid_value', core(emptyVendors + emptyVendors + bits(1, 12) + bits(0, 6) + '00' + bits(1, 12) + '0' + bits(7, 16)));
bad('range-starts-at-zero', 'inconsistent', core(bits(10, 16) + '1' + bits(1, 12) + '1' + bits(0, 16) + bits(10, 16) + emptyVendors + noRestrictions));
bad('range-end-before-start', 'inconsistent', core(bits(10, 16) + '1' + bits(1, 12) + '1' + bits(9, 16) + bits(4, 16) + emptyVendors + noRestrictions));
bad('range-beyond-max-vendor-id', 'inconsistent', core(bits(10, 16) + '1' + bits(1, 12) + '0' + bits(11, 16) + emptyVendors + noRestrictions));
bad('restriction-range-end-before-start', 'inconsistent', core(emptyVendors + emptyVendors + bits(1, 12) + bits(2, 6) + '00' + bits(1, 12) + '1' + bits(9, 16) + bits(3, 16)));
bad('trailing-zero-bits', 'inconsistent', goodCore + 'AAAAAAAA');
// 23 bits of DisclosedVendors (vendors 1-3 as a bitfield), then a 1 where
// the padding bit belongs.
bad('trailing-non-zero-bit', 'inconsistent', goodCore + '.' + B.encode('001' + bits(3, 16) + '0' + '111' + '1'));
bad('concatenated-strings', 'inconsistent', goodCore + goodCore);

// ---- output ----

// Number arrays go on one line; everything else is indented.
const pretty = (v) =>
  JSON.stringify(v, null, 2).replace(/\[\s+(-?\d+(?:,\s+-?\d+)*)\s+\]/g, (_, nums) => `[${nums.split(/,\s+/).join(', ')}]`) + '\n';

writeFileSync(join(here, '..', 'vectors.json'), pretty(vectors));
writeFileSync(join(here, '..', 'malformed.json'), pretty(malformed));
console.log(`wrote ${vectors.length} vectors and ${malformed.length} malformed strings`);
