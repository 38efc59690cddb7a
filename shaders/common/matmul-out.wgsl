// Writes the 64×64 tile of common/matmul-tile.wgsl (included here) out, cell by cell.
//
// The includer defines, besides matmul-tile's tileA and tileB,
//   fn tileOut(r: u32, c: u32, v: f32)   // store v = (A·B)[r, c]: scale, mask, add, write
// Declares tileWrite(lid, row0, col0, rows, cols): tileOut for every cell of this invocation's
// 4×4 block inside rows × cols, after tileProduct(…, row0, col0, …).
#include "common/matmul-tile.wgsl"

fn tileWrite(lid: vec3<u32>, row0: u32, col0: u32, rows: u32, cols: u32) {
  for (var i = 0u; i < 4u; i++) {
    let r = row0 + tileRow(lid, i);
    for (var j = 0u; j < 4u; j++) {
      let c = col0 + tileCol(lid, j);
      if (r < rows && c < cols) {
        tileOut(r, c, tileAcc[i][j]);
      }
    }
  }
}
