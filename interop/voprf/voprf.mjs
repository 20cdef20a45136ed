// An independent RFC 9497 POPRF client (suite ristretto255-SHA512) built on
// @cloudflare/voprf-ts with the @noble/curves provider, for the Go interop
// test client/oblivious_interop_test.go. It reads one JSON request on stdin
// and writes one JSON answer on stdout; all byte strings are hex.
//
//   {"mode":"blind", "publicKey":PK, "inputs":[X...], "info":I}
//     -> {"blinded":[B...], "state":S}
//   {"mode":"finalize", "publicKey":PK, "state":S, "evaluated":[E...], "proof":P, "info":I}
//     -> {"outputs":[O...]}
//
// finalize verifies the proof against PK and info and fails (exit status 1,
// message on stderr) if it does not hold.
import { Evaluation, FinalizeData, DLEQProof, Oprf, POPRFClient } from '@cloudflare/voprf-ts';
import { CryptoNoble } from '@cloudflare/voprf-ts/crypto-noble';

const suite = Oprf.Suite.RISTRETTO255_SHA512;
const group = Oprf.getGroup(suite, CryptoNoble);

const fromHex = (s) => {
    if (typeof s !== 'string' || s.length % 2 !== 0 || !/^[0-9a-f]*$/.test(s)) {
        throw new Error('bad hex string');
    }
    return Uint8Array.from(Buffer.from(s, 'hex'));
};
const toHex = (b) => Buffer.from(b).toString('hex');

async function readStdin() {
    const chunks = [];
    for await (const c of process.stdin) chunks.push(c);
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

async function main() {
    const req = await readStdin();
    const client = new POPRFClient(suite, fromHex(req.publicKey), CryptoNoble);
    const info = fromHex(req.info ?? '');
    switch (req.mode) {
        case 'blind': {
            const [finData, evalReq] = await client.blind(req.inputs.map(fromHex));
            return {
                blinded: evalReq.blinded.map((e) => toHex(e.serialize(true))),
                state: toHex(finData.serialize()),
            };
        }
        case 'finalize': {
            const finData = FinalizeData.deserialize(suite, fromHex(req.state), CryptoNoble);
            const evaluation = new Evaluation(
                Oprf.Mode.POPRF,
                req.evaluated.map((e) => group.desElt(fromHex(e))),
                DLEQProof.deserialize(group.id, fromHex(req.proof), CryptoNoble),
            );
            const outputs = await client.finalize(finData, evaluation, info);
            return { outputs: outputs.map(toHex) };
        }
        default:
            throw new Error(`unknown mode ${JSON.stringify(req.mode)}`);
    }
}

main().then(
    (out) => process.stdout.write(JSON.stringify(out) + '\n'),
    (err) => {
        process.stderr.write(`voprf.mjs: ${err?.message ?? err}\n`);
        process.exit(1);
    },
);
