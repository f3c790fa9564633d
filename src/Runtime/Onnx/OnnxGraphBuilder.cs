using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using CnnGen.IO;
using CnnGen.Onnx.Proto;
using Google.Protobuf;

namespace CnnGen.Onnx
{
    /// <summary>
    /// Builds an ONNX inference model (opset 17, float32, NCHW, batch as the symbolic dimension "N") one
    /// node at a time, then writes it with <see cref="Save"/>. Made for generated <c>ExportOnnx</c> methods:
    /// every node helper takes the names of its inputs and returns the name of its output, so a network is
    /// a chain of calls, and initializers carry the PyTorch state_dict names (<c>"3.body.0.weight"</c>).
    /// <code>
    /// var b = new OnnxGraphBuilder("SimpleCnn");
    /// string x = b.Input("input", 1, 28, 28);
    /// b.Initializers(network);   // or b.Initializer("0.weight", new[] { 32, 1, 3, 3 }, values) one by one
    /// x = b.Relu(b.Conv(x, "0.weight", "0.bias", padding: (1, 1)));
    /// …
    /// b.Output(x);
    /// b.Save("model.onnx");
    /// </code>
    /// Every call checks what it can (that inputs exist, that names are new, that initializer sizes match),
    /// so a mistake is reported at the call that made it rather than by whoever loads the file.
    /// </summary>
    public sealed class OnnxGraphBuilder
    {
        /// <summary>The ONNX operator set the model declares; every node written here has its opset-17 form.</summary>
        public const int OpsetVersion = 17;

        /// <summary>The ONNX IR version that goes with opset 17.</summary>
        public const int IrVersion = 8;

        /// <summary>The name of the symbolic batch dimension of inputs and outputs.</summary>
        public const string BatchDimension = "N";

        private readonly GraphProto _graph;
        private readonly Dictionary<string, int[]?> _values = new Dictionary<string, int[]?>(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _opCounts = new Dictionary<string, int>(StringComparer.Ordinal);

        /// <param name="graphName">The graph's name (the network's class name, say), shown by viewers such as Netron.</param>
        public OnnxGraphBuilder(string graphName = "cnngen")
        {
            if (string.IsNullOrEmpty(graphName)) throw new ArgumentException("The graph needs a name.", nameof(graphName));
            _graph = new GraphProto { Name = graphName };
        }

        /// <summary>Number of nodes added so far.</summary>
        public int NodeCount => _graph.Node.Count;

        /// <summary>
        /// Declares a float input of shape (N, <paramref name="sampleShape"/>…), N being the symbolic batch size.
        /// Returns <paramref name="name"/>, to feed the first node.
        /// </summary>
        public string Input(string name, params int[] sampleShape)
        {
            _graph.Input.Add(ValueInfo(name, sampleShape, nameof(Input)));
            Define(name, sampleShape, nameof(Input));
            return name;
        }

        /// <summary>
        /// Adds a float constant (a weight, bias or running statistic) of shape <paramref name="dims"/>, stored
        /// as little-endian raw data. Returns <paramref name="name"/>.
        /// </summary>
        public string Initializer(string name, int[] dims, ReadOnlySpan<float> values)
        {
            if (dims is null) throw new ArgumentNullException(nameof(dims));
            long count = 1;
            foreach (int d in dims)
            {
                if (d <= 0) throw new ArgumentException($"Initializer '{name}': dimensions [{string.Join(", ", dims)}] must all be positive.", nameof(dims));
                count *= d;
            }
            if (count != values.Length)
                throw new ArgumentException($"Initializer '{name}': shape [{string.Join(", ", dims)}] holds {count} values, got {values.Length}.", nameof(values));
            if (!BitConverter.IsLittleEndian)
                throw new PlatformNotSupportedException("ONNX raw tensor data is little-endian; writing it on a big-endian machine is not supported.");
            Define(name, (int[])dims.Clone(), nameof(Initializer));
            var tensor = new TensorProto
            {
                Name = name,
                DataType = (int)TensorProto.Types.DataType.Float,
                RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values)),
            };
            foreach (int d in dims) tensor.Dims.Add(d);
            _graph.Initializer.Add(tensor);
            return name;
        }

        /// <summary>
        /// Adds every parameter and every float buffer (BatchNorm's running statistics) of <paramref name="network"/>
        /// as initializers under their state_dict names, in the network's order; integer buffers
        /// (<c>num_batches_tracked</c>) play no part in inference and are left out.
        /// </summary>
        public void Initializers(INetwork network)
        {
            if (network is null) throw new ArgumentNullException(nameof(network));
            foreach (var p in network.Parameters) Initializer(p.Name, ToArray(p.Shape), p.Data);
            foreach (var b in network.Buffers)
            {
                if (!b.IsInteger) Initializer(b.Name, ToArray(b.Shape), b.Data);
            }
        }

        private static int[] ToArray(IReadOnlyList<int> shape)
        {
            var dims = new int[shape.Count];
            for (int i = 0; i < dims.Length; i++) dims[i] = shape[i];
            return dims;
        }

        /// <summary>
        /// Declares <paramref name="value"/> (a node's output) as a graph output; <paramref name="sampleShape"/>
        /// is its shape after the batch dimension, when known (e.g. 10 for ten logits).
        /// </summary>
        public void Output(string value, params int[] sampleShape)
        {
            Require(value, nameof(Output));
            _graph.Output.Add(ValueInfo(value, sampleShape, nameof(Output)));
        }

        /// <summary>
        /// 2-D convolution, <c>torch.nn.Conv2d</c>'s arguments; the kernel size is read from the weight
        /// initializer (out, in/groups, kH, kW). Padding is symmetric, as in PyTorch.
        /// </summary>
        public string Conv(string input, string weight, string? bias, (int H, int W) stride = default, (int H, int W) padding = default,
            (int H, int W) dilation = default, int groups = 1, string? output = null)
        {
            int[] w = Shape(weight, "Conv") ?? throw new ArgumentException($"Conv: '{weight}' must be an initializer (its shape gives the kernel size).", nameof(weight));
            if (w.Length != 4) throw new ArgumentException($"Conv: weight '{weight}' has shape [{string.Join(", ", w)}]; a 2-D convolution's weight is (out, in/groups, kH, kW).", nameof(weight));
            if (groups <= 0) throw new ArgumentOutOfRangeException(nameof(groups), groups, "Conv: groups must be positive.");
            var node = Node("Conv", output, bias is null ? new[] { input, weight } : new[] { input, weight, bias });
            Ints(node, "kernel_shape", w[2], w[3]);
            Ints(node, "strides", OrOne(stride.H), OrOne(stride.W));
            Ints(node, "pads", padding.H, padding.W, padding.H, padding.W);
            Ints(node, "dilations", OrOne(dilation.H), OrOne(dilation.W));
            Int(node, "group", groups);
            return Finish(node);
        }

        /// <summary>max(x, 0).</summary>
        public string Relu(string input, string? output = null) => Finish(Node("Relu", output, input));

        /// <summary>x for x ≥ 0, <paramref name="negativeSlope"/>·x below (PyTorch's default slope 0.01).</summary>
        public string LeakyRelu(string input, float negativeSlope = 0.01f, string? output = null)
        {
            var node = Node("LeakyRelu", output, input);
            Float(node, "alpha", negativeSlope);
            return Finish(node);
        }

        /// <summary>1 / (1 + e^−x).</summary>
        public string Sigmoid(string input, string? output = null) => Finish(Node("Sigmoid", output, input));

        /// <summary>Hyperbolic tangent.</summary>
        public string Tanh(string input, string? output = null) => Finish(Node("Tanh", output, input));

        /// <summary>
        /// <c>torch.nn.MaxPool2d</c>: a stride of (0, 0) means the kernel size, as PyTorch's default;
        /// padding is symmetric and pads with −∞.
        /// </summary>
        public string MaxPool(string input, (int H, int W) kernel, (int H, int W) stride = default, (int H, int W) padding = default,
            (int H, int W) dilation = default, bool ceilMode = false, string? output = null)
        {
            var node = Node("MaxPool", output, input);
            PoolAttributes(node, kernel, stride, padding, ceilMode);
            Ints(node, "dilations", OrOne(dilation.H), OrOne(dilation.W));
            return Finish(node);
        }

        /// <summary>
        /// <c>torch.nn.AvgPool2d</c>: a stride of (0, 0) means the kernel size; <paramref name="countIncludePad"/>
        /// is PyTorch's default true (padded zeros count in the divisor).
        /// </summary>
        public string AveragePool(string input, (int H, int W) kernel, (int H, int W) stride = default, (int H, int W) padding = default,
            bool ceilMode = false, bool countIncludePad = true, string? output = null)
        {
            var node = Node("AveragePool", output, input);
            PoolAttributes(node, kernel, stride, padding, ceilMode);
            Int(node, "count_include_pad", countIncludePad ? 1 : 0);
            return Finish(node);
        }

        /// <summary>The mean over each channel's whole plane: (N, C, H, W) → (N, C, 1, 1).</summary>
        public string GlobalAveragePool(string input, string? output = null) => Finish(Node("GlobalAveragePool", output, input));

        /// <summary>
        /// <c>torch.nn.AdaptiveAvgPool2d</c> from an (<paramref name="inHeight"/>, <paramref name="inWidth"/>) plane to
        /// (<paramref name="outHeight"/>, <paramref name="outWidth"/>). ONNX has no adaptive pooling, so this becomes
        /// GlobalAveragePool for a 1×1 output, an AveragePool whose kernel and stride are in/out when the sizes
        /// divide evenly (PyTorch's windows are then exactly those), and otherwise (uneven windows) a product with a
        /// constant pooling matrix.
        /// </summary>
        public string AdaptiveAveragePool(string input, int inHeight, int inWidth, int outHeight, int outWidth, string? output = null)
        {
            if (inHeight <= 0 || inWidth <= 0 || outHeight <= 0 || outWidth <= 0)
                throw new ArgumentOutOfRangeException(nameof(outHeight), $"AdaptiveAveragePool: sizes ({inHeight}×{inWidth} → {outHeight}×{outWidth}) must be positive.");
            if (outHeight == 1 && outWidth == 1) return GlobalAveragePool(input, output);
            if (inHeight % outHeight == 0 && inWidth % outWidth == 0)
            {
                var k = (inHeight / outHeight, inWidth / outWidth);
                return AveragePool(input, k, k, output: output);
            }
            return UnevenAdaptiveAveragePool(input, inHeight, inWidth, outHeight, outWidth, output);
        }

        /// <summary>
        /// Adaptive average pooling with uneven windows, which no single ONNX operator computes. It is linear, so it is
        /// written as a product with a constant matrix: (N, C, H·W) · P = (N, C, oh·ow), where P[h·W + w, i·ow + j] is
        /// 1 / (window size) for every (h, w) in window (i, j), PyTorch's windows (start ⌊i·H/oh⌋, end ⌈(i+1)·H/oh⌉).
        /// </summary>
        private string UnevenAdaptiveAveragePool(string input, int inHeight, int inWidth, int outHeight, int outWidth, string? output)
        {
            long cells = (long)inHeight * inWidth * outHeight * outWidth;
            if (cells > 1 << 26)
                throw new NotSupportedException($"ONNX export: AdaptiveAvgPool2d from {inHeight}×{inWidth} to {outHeight}×{outWidth} would need a {cells}-entry pooling matrix; use an output size that divides the input size.");
            int k = _opCounts.TryGetValue("AdaptivePool", out int n) ? n : 0;
            _opCounts["AdaptivePool"] = k + 1;
            string prefix = "adaptive_pool_" + k.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var matrix = new float[inHeight * inWidth * outHeight * outWidth];
            int columns = outHeight * outWidth;
            for (int i = 0; i < outHeight; i++)
            {
                int h0 = Shapes.ShapeMath.AdaptiveStart(i, inHeight, outHeight), h1 = Shapes.ShapeMath.AdaptiveEnd(i, inHeight, outHeight);
                for (int j = 0; j < outWidth; j++)
                {
                    int w0 = Shapes.ShapeMath.AdaptiveStart(j, inWidth, outWidth), w1 = Shapes.ShapeMath.AdaptiveEnd(j, inWidth, outWidth);
                    float weight = 1f / ((h1 - h0) * (w1 - w0));
                    for (int h = h0; h < h1; h++)
                        for (int w = w0; w < w1; w++)
                            matrix[(h * inWidth + w) * columns + i * outWidth + j] = weight;
                }
            }
            string p = Initializer(prefix + ".matrix", new[] { inHeight * inWidth, columns }, matrix);
            // Reshape's 0 keeps the batch dimension and −1 infers the channels.
            string flatShape = Int64Initializer(prefix + ".flat_shape", 0, -1, inHeight * inWidth);
            string outShape = Int64Initializer(prefix + ".out_shape", 0, -1, outHeight, outWidth);
            string flat = Finish(Node("Reshape", null, input, flatShape));
            string pooled = Finish(Node("MatMul", null, flat, p));
            return Finish(Node("Reshape", output, pooled, outShape));
        }

        /// <summary>A constant int64 vector (Reshape's target shape).</summary>
        private string Int64Initializer(string name, params long[] values)
        {
            Define(name, new[] { values.Length }, nameof(Initializer));
            var tensor = new TensorProto
            {
                Name = name,
                DataType = (int)TensorProto.Types.DataType.Int64,
                RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())),
            };
            tensor.Dims.Add(values.Length);
            _graph.Initializer.Add(tensor);
            return name;
        }

        /// <summary>
        /// Batch normalisation in its inference form, with the running statistics: <c>BatchNorm2d</c> on (N, C, H, W)
        /// and <c>BatchNorm1d</c> on (N, C) alike. The inputs are PyTorch's weight, bias, running_mean and running_var.
        /// </summary>
        public string BatchNormalization(string input, string scale, string bias, string mean, string variance, float epsilon = 1e-5f, string? output = null)
        {
            var node = Node("BatchNormalization", output, input, scale, bias, mean, variance);
            Float(node, "epsilon", epsilon);
            return Finish(node);
        }

        /// <summary><c>torch.nn.Linear</c>: x·Wᵀ + b, with W as PyTorch stores it (out, in), as a Gemm with transB = 1.</summary>
        public string Gemm(string input, string weight, string? bias, string? output = null)
        {
            var node = Node("Gemm", output, bias is null ? new[] { input, weight } : new[] { input, weight, bias });
            Int(node, "transB", 1);
            return Finish(node);
        }

        /// <summary>(N, C, H, W) → (N, C·H·W), as <c>torch.nn.Flatten</c>.</summary>
        public string Flatten(string input, string? output = null)
        {
            var node = Node("Flatten", output, input);
            Int(node, "axis", 1);
            return Finish(node);
        }

        /// <summary>The input unchanged (a network whose last layer is the identity in inference, such as Dropout).</summary>
        public string Identity(string input, string? output = null) => Finish(Node("Identity", output, input));

        /// <summary>Element-wise sum (a residual connection).</summary>
        public string Add(string a, string b, string? output = null) => Finish(Node("Add", output, a, b));

        /// <summary>Concatenation along the channels (axis 1), as <c>torch.cat(…, dim=1)</c>.</summary>
        public string Concat(IReadOnlyList<string> inputs, string? output = null)
        {
            if (inputs is null || inputs.Count < 2) throw new ArgumentException("Concat needs at least two inputs.", nameof(inputs));
            var names = new string[inputs.Count];
            for (int i = 0; i < names.Length; i++) names[i] = inputs[i];
            var node = Node("Concat", output, names);
            Int(node, "axis", 1);
            return Finish(node);
        }

        /// <summary>The model as ONNX protobuf bytes.</summary>
        public byte[] ToBytes() => BuildModel().ToByteArray();

        /// <summary>
        /// Writes the model to <paramref name="path"/>: to a temporary file beside it first, then renamed into place,
        /// so an existing file is either the old model or the new one, never half of one.
        /// </summary>
        public void Save(string path)
        {
            if (string.IsNullOrEmpty(path)) throw new ArgumentException("A file path is needed.", nameof(path));
            var model = BuildModel();
            AtomicFile.WriteStream(path, stream => model.WriteTo(stream));
        }

        private ModelProto BuildModel()
        {
            if (_graph.Input.Count == 0) throw new InvalidOperationException($"ONNX graph '{_graph.Name}' has no input; call Input first.");
            if (_graph.Output.Count == 0) throw new InvalidOperationException($"ONNX graph '{_graph.Name}' has no output; call Output with the last node's name.");
            var model = new ModelProto
            {
                IrVersion = IrVersion,
                ProducerName = "CnnGen",
                ProducerVersion = typeof(OnnxGraphBuilder).Assembly.GetName().Version?.ToString() ?? "",
                Graph = _graph.Clone(),
            };
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
            return model;
        }

        private void PoolAttributes(NodeProto node, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding, bool ceilMode)
        {
            if (kernel.H <= 0 || kernel.W <= 0)
                throw new ArgumentOutOfRangeException(nameof(kernel), $"{node.OpType}: kernel ({kernel.H}, {kernel.W}) must be positive.");
            Ints(node, "kernel_shape", kernel.H, kernel.W);
            Ints(node, "strides", stride.H == 0 ? kernel.H : stride.H, stride.W == 0 ? kernel.W : stride.W);
            Ints(node, "pads", padding.H, padding.W, padding.H, padding.W);
            Int(node, "ceil_mode", ceilMode ? 1 : 0);
        }

        private static int OrOne(int value) => value == 0 ? 1 : value;

        private NodeProto Node(string opType, string? output, params string[] inputs)
        {
            foreach (string input in inputs) Require(input, opType);
            _opCounts.TryGetValue(opType, out int k);
            _opCounts[opType] = k + 1;
            string nodeName = opType + "_" + k.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var node = new NodeProto { OpType = opType, Name = nodeName };
            node.Input.Add(inputs);
            node.Output.Add(output ?? nodeName);
            return node;
        }

        private string Finish(NodeProto node)
        {
            string output = node.Output[0];
            Define(output, null, node.OpType);
            _graph.Node.Add(node);
            return output;
        }

        private void Define(string name, int[]? shape, string what)
        {
            if (string.IsNullOrEmpty(name)) throw new ArgumentException($"{what}: a value needs a name.", nameof(name));
            if (!_values.TryAdd(name, shape))
                throw new ArgumentException($"{what}: the name '{name}' is already used in graph '{_graph.Name}'; every value needs its own.", nameof(name));
        }

        private void Require(string name, string what)
        {
            if (name is null || !_values.ContainsKey(name))
                throw new ArgumentException($"{what}: input '{name}' is not defined in graph '{_graph.Name}' (declare it with Input or Initializer, or pass a node's output).", nameof(name));
        }

        private int[]? Shape(string name, string what)
        {
            Require(name, what);
            return _values[name];
        }

        private static ValueInfoProto ValueInfo(string name, int[] sampleShape, string what)
        {
            if (sampleShape is null) throw new ArgumentNullException(nameof(sampleShape));
            var shape = new TensorShapeProto();
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = BatchDimension });
            foreach (int d in sampleShape)
            {
                if (d <= 0) throw new ArgumentException($"{what} '{name}': dimensions [{string.Join(", ", sampleShape)}] must all be positive.", nameof(sampleShape));
                shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
            }
            // An output declared without a sample shape gets only its element type and rank-free shape.
            var tensor = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float };
            if (sampleShape.Length > 0 || what == nameof(Input)) tensor.Shape = shape;
            return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensor } };
        }

        private static void Ints(NodeProto node, string name, params long[] values)
        {
            var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
            a.Ints.Add(values);
            node.Attribute.Add(a);
        }

        private static void Int(NodeProto node, string name, long value)
            => node.Attribute.Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value });

        private static void Float(NodeProto node, string name, float value)
            => node.Attribute.Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value });
    }
}
