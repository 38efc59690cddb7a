// A one-node ONNX model: com.microsoft MultiHeadAttention(query, key, value) → output,
// encoded by hand (protobuf wire format: varints and length-delimited fields), so no ONNX
// schema package is needed. Field numbers from onnx/onnx.proto3:
//   ModelProto        1 ir_version, 2 producer_name, 7 graph, 8 opset_import
//   OperatorSetIdProto 1 domain, 2 version
//   GraphProto        1 node, 2 name, 11 input, 12 output
//   NodeProto         1 input, 2 output, 3 name, 4 op_type, 5 attribute, 7 domain
//   AttributeProto    1 name, 3 i, 20 type (INT = 2)
//   ValueInfoProto    1 name, 2 type
//   TypeProto         1 tensor_type { 1 elem_type (FLOAT = 1), 2 shape }
//   TensorShapeProto  1 dim { 1 dim_value | 2 dim_param }

type Field = number[];

function varint(x: number | bigint): number[] {
  let v = BigInt(x);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

const tag = (field: number, wire: 0 | 2) => varint((field << 3) | wire);
const int = (field: number, x: number): Field => [...tag(field, 0), ...varint(x)];
const bytes = (field: number, b: number[]): Field => [...tag(field, 2), ...varint(b.length), ...b];
const str = (field: number, s: string): Field => bytes(field, [...new TextEncoder().encode(s)]);
const msg = (field: number, ...parts: Field[]): Field => bytes(field, parts.flat());

/** dims: a number is dim_value, a string is dim_param (symbolic) */
function valueInfo(field: number, name: string, dims: (number | string)[]): Field {
  const shape = dims.map((d) => msg(1, typeof d === 'number' ? int(1, d) : str(2, d)));
  return msg(field, str(1, name), msg(2, msg(1, int(1, 1 /* FLOAT */), msg(2, ...shape))));
}

export interface MhaModelOptions {
  /** head size (hidden size with one head) */
  d: number;
  numHeads?: number;
  /** also declare the present_key / present_value outputs (some ORT versions gate their flash path on them) */
  withPresent?: boolean;
}

/** Bytes of the ONNX model; the sequence length is the symbolic dimension 'N', batch is 1. */
export function mhaModel({ d, numHeads = 1, withPresent = false }: MhaModelOptions): Uint8Array {
  const outputs = withPresent ? ['output', 'present_key', 'present_value'] : ['output'];
  const node = msg(
    1,
    str(1, 'query'),
    str(1, 'key'),
    str(1, 'value'),
    ...outputs.map((o) => str(2, o)),
    str(3, 'mha'),
    str(4, 'MultiHeadAttention'),
    msg(5, str(1, 'num_heads'), int(3, numHeads), int(20, 2 /* INT */)),
    str(7, 'com.microsoft'),
  );
  const hidden = d * numHeads;
  const graphOutputs = [valueInfo(12, 'output', [1, 'N', hidden])];
  if (withPresent) {
    graphOutputs.push(valueInfo(12, 'present_key', [1, numHeads, 'N', d]));
    graphOutputs.push(valueInfo(12, 'present_value', [1, numHeads, 'N', d]));
  }
  const graph = msg(
    7,
    node,
    str(2, 'mha_graph'),
    valueInfo(11, 'query', [1, 'N', hidden]),
    valueInfo(11, 'key', [1, 'N', hidden]),
    valueInfo(11, 'value', [1, 'N', hidden]),
    ...graphOutputs,
  );
  const model = [
    ...int(1, 8), // ir_version 8
    ...str(2, 'attention-playground compare'),
    ...graph,
    ...msg(8, str(1, ''), int(2, 17)),
    ...msg(8, str(1, 'com.microsoft'), int(2, 1)),
  ];
  return new Uint8Array(model);
}
