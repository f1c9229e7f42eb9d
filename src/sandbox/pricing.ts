/**
 * The sandbox's Pricing API (`GET /v1/Account/{id}/Pricing/?country_iso=XX`): fixed, documented
 * rates per country, in the shape of Plivo's answer. Some countries deliberately have no price
 * (an answer of 404), so that tests and users can see how a send behaves when a price is missing.
 * MMS rates exist only for the United States and Canada, the countries Plivo carries MMS to.
 */

interface SandboxPrice {
  country: string;
  countryCode: number;
  /** Outbound SMS rate per unit (USD, decimal string). */
  outbound: string;
  /** Per-network outbound rates; the dearest bounds the cost. */
  networks: Array<{ group_name: string; rate: string }>;
  /** Outbound MMS rate per message, where MMS is carried. */
  mms?: string;
}

/** Rates the sandbox quotes (README, "Sandbox"). */
export const SANDBOX_PRICES: Record<string, SandboxPrice> = {
  US: { country: 'United States', countryCode: 1, outbound: '0.00500', networks: [{ group_name: 'All networks', rate: '0.00500' }], mms: '0.02000' },
  CA: { country: 'Canada', countryCode: 1, outbound: '0.00550', networks: [{ group_name: 'All networks', rate: '0.00550' }], mms: '0.02250' },
  GB: {
    country: 'United Kingdom',
    countryCode: 44,
    outbound: '0.04000',
    networks: [
      { group_name: 'EE', rate: '0.04000' },
      { group_name: 'Vodafone', rate: '0.04200' },
    ],
  },
  DE: { country: 'Germany', countryCode: 49, outbound: '0.07500', networks: [{ group_name: 'All networks', rate: '0.07500' }] },
  FR: { country: 'France', countryCode: 33, outbound: '0.06800', networks: [{ group_name: 'All networks', rate: '0.06800' }] },
  IN: {
    country: 'India',
    countryCode: 91,
    outbound: '0.00200',
    networks: [
      { group_name: 'Airtel', rate: '0.00200' },
      { group_name: 'Jio', rate: '0.00250' },
    ],
  },
  AU: { country: 'Australia', countryCode: 61, outbound: '0.04500', networks: [{ group_name: 'All networks', rate: '0.04500' }] },
};

/** Countries the sandbox has no price for, on purpose (README, "Sandbox"). */
export const SANDBOX_UNPRICED = ['CH', 'JP'] as const;

export type PricingReply = { status: 200; body: Record<string, unknown> } | { status: 400 | 404; body: { error: string } };

export function pricingReply(countryIso: string | null): PricingReply {
  if (countryIso === null || !/^[A-Za-z]{2}$/.test(countryIso)) {
    return { status: 400, body: { error: 'country_iso is required: a two-letter ISO 3166-1 code' } };
  }
  const iso = countryIso.toUpperCase();
  const price = SANDBOX_PRICES[iso];
  if (!price) return { status: 404, body: { error: `no pricing available for country_iso ${iso}` } };
  const body: Record<string, unknown> = {
    country: price.country,
    country_code: price.countryCode,
    country_iso: iso,
    message: {
      inbound: { rate: '0.00000' },
      outbound: { rate: price.outbound },
      outbound_networks_list: price.networks,
    },
  };
  if (price.mms !== undefined) {
    body.mms = {
      inbound: { rate: '0.00000' },
      outbound: { rate: price.mms },
      outbound_networks_list: [{ group_name: 'All networks', rate: price.mms }],
    };
  }
  return { status: 200, body };
}

/** Default charges where the sandbox has no price (in 1/100,000 of a dollar per unit). */
const DEFAULT_RATES = { sms: 500, mms: 2000, whatsapp: 500 } as const;

/**
 * What the sandbox charges per unit for a message of `type` to `country` (1/100,000 of a dollar):
 * the dearest network rate it quotes there, so that an estimate and the amounts charged agree;
 * the default for countries without a price.
 */
export function sandboxRate(country: string, type: 'sms' | 'mms' | 'whatsapp'): number {
  const price = SANDBOX_PRICES[country];
  const toUnits = (rate: string) => Math.round(Number(rate) * 100_000);
  if (!price || type === 'whatsapp') return DEFAULT_RATES[type];
  if (type === 'mms') return price.mms === undefined ? DEFAULT_RATES.mms : toUnits(price.mms);
  return Math.max(toUnits(price.outbound), ...price.networks.map((n) => toUnits(n.rate)));
}
