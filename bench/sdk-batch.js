// The baseline: the official plivo SDK sending every row of a CSV, p-limit bounding concurrency.
import { readFileSync } from 'node:fs';
import plivo from 'plivo';
import pLimit from 'p-limit';

const [csvPath, concurrencyArg] = process.argv.slice(2);
const lines = readFileSync(csvPath, 'utf8').trim().split('\n').slice(1);
const { PLIVO_AUTH_ID: id, PLIVO_AUTH_TOKEN: token, PLIVO_API_URL: api } = process.env;
const client = new plivo.Client(id, token, { url: `${api}/v1/Account/${id}` });
const limit = pLimit(Number(concurrencyArg));
await Promise.all(
  lines.map((line) => {
    const [dst, name, code] = line.split(',');
    return limit(() => client.messages.create({ src: '14155550100', dst, text: `Hi ${name.replaceAll('"', '')}, your code is ${code}` }));
  }),
);
