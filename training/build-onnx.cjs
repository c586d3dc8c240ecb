// Builds model.onnx in a model folder with Rook's own graph builder (compiled TypeScript in out/), so the shipped
// graph is exactly what `rook convert` would produce. Usage: node training/build-onnx.cjs <model folder>
const path = require('node:path');
const { buildOnnxModel } = require(path.join(__dirname, '..', 'out', 'server', 'model', 'build.js'));

const folder = process.argv[2];
if (!folder) {
  console.error('usage: node training/build-onnx.cjs <model folder with config.json and model.safetensors>');
  process.exit(2);
}
console.log(buildOnnxModel(path.resolve(folder)));
