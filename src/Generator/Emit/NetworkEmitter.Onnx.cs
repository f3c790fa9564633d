using System.Collections.Generic;
using System.Linq;
using CnnGen.Generator.Model;
using CnnGen.Generator.Shapes;

namespace CnnGen.Generator.Emit
{
    /// <summary>
    /// ExportOnnx: the inference graph as ONNX opset 17, one builder call per node in topological order. BatchNorm takes
    /// its eval form (running statistics), Dropout disappears, residual joins become Add and concat joins Concat.
    /// Parameters and running statistics go in as initializers under their state_dict names.
    /// </summary>
    internal sealed partial class NetworkEmitter
    {
        private const string Onnx = "global::CnnGen.Onnx.OnnxGraphBuilder";

        private void EmitOnnxExport()
        {
            var names = new Dictionary<Value, string> { [_plan.InputValue] = "x" };
            _w.Line("/// <inheritdoc/>");
            _w.Line($"/// <remarks>The graph has input \"input\" (N, {string.Join(", ", _plan.Input.Dims.Select(N))}) and output \"logits\" (N, {N(_plan.Output.Size)}).");
            _w.Line("/// BatchNorm uses its running statistics and Dropout is left out, as in Eval(); the file is written whole, then renamed into place.</remarks>");
            _w.Open("public void ExportOnnx(string path)");
            _w.Line($"var g = new {Onnx}({Literal(_spec.ClassName)});");
            _w.Line("g.Initializers(this);");
            _w.Line($"string x = g.Input(\"input\", {string.Join(", ", _plan.Input.Dims.Select(N))});");
            var output = _plan.OutputValue!;
            foreach (var l in _plan.Nodes)
            {
                string input = names[l.Inputs[0]];
                string v = "v" + l.Key;
                string outName = l.Output == output ? ", output: \"logits\"" : "";
                string p(string role) => Literal(l.Path + "." + role);
                string? call = l.Op switch
                {
                    Conv2dOp conv => $"g.Conv({input}, {p("weight")}, {(conv.Bias ? p("bias") : "null")}, stride: ({N(l.Stride)}, {N(l.Stride)}), padding: ({N(l.Padding)}, {N(l.Padding)}), dilation: ({N(l.Dilation)}, {N(l.Dilation)}), groups: {N(l.Groups)}{outName})",
                    LinearOp linear => $"g.Gemm({input}, {p("weight")}, {(linear.Bias ? p("bias") : "null")}{outName})",
                    Pool2dOp { Max: true } pool => $"g.MaxPool({input}, ({N(l.Kernel)}, {N(l.Kernel)}), stride: ({N(l.Stride)}, {N(l.Stride)}), padding: ({N(l.Padding)}, {N(l.Padding)}), dilation: ({N(l.Dilation)}, {N(l.Dilation)}), ceilMode: {Bool(pool.CeilMode)}{outName})",
                    Pool2dOp pool => $"g.AveragePool({input}, ({N(l.Kernel)}, {N(l.Kernel)}), stride: ({N(l.Stride)}, {N(l.Stride)}), padding: ({N(l.Padding)}, {N(l.Padding)}), ceilMode: {Bool(pool.CeilMode)}, countIncludePad: {Bool(pool.CountIncludePad)}{outName})",
                    AdaptiveAvgPool2dOp => $"g.AdaptiveAveragePool({input}, {N(l.Input.Height)}, {N(l.Input.Width)}, {N(l.Output.Shape.Height)}, {N(l.Output.Shape.Width)}{outName})",
                    BatchNormOp bn => $"g.BatchNormalization({input}, {p("weight")}, {p("bias")}, {p("running_mean")}, {p("running_var")}, epsilon: {F(bn.Eps)}{outName})",
                    FlattenOp => $"g.Flatten({input}{outName})",
                    ActivationOp { Kind: LayerKind.LeakyReLU } leaky => $"g.LeakyRelu({input}, {F(leaky.NegativeSlope)}{outName})",
                    ActivationOp { Kind: LayerKind.ReLU } => $"g.Relu({input}{outName})",
                    ActivationOp { Kind: LayerKind.Sigmoid } => $"g.Sigmoid({input}{outName})",
                    ActivationOp { Kind: LayerKind.Tanh } => $"g.Tanh({input}{outName})",
                    DropoutOp => null,
                    AddOp => $"g.Add({names[l.Inputs[0]]}, {names[l.Inputs[1]]}{outName})",
                    ConcatJoinOp => $"g.Concat(new[] {{ {string.Join(", ", l.Inputs.Select(i => names[i]))} }}{outName})",
                    _ => throw new UnsupportedOpException(l),
                };
                if (call is null)
                {
                    // Dropout is the identity in inference: the next node reads its input.
                    names[l.Output] = input;
                    if (l.Output == output) _w.Line($"string {v} = g.Identity({input}, output: \"logits\"); // [{l.Path}] {l.Title}: the identity in inference");
                    else continue;
                }
                else
                {
                    _w.Line($"string {v} = {call}; // [{l.Path}] {l.Title}");
                }
                names[l.Output] = v;
            }
            _w.Line($"g.Output(\"logits\", {N(_plan.Output.Size)});");
            _w.Line("g.Save(path);");
            _w.Close();
            _w.Line();
        }

        private static string Bool(bool b) => b ? "true" : "false";
    }
}
