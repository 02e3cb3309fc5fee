using NasiOnnx.Engine.Graphs;
using NasiOnnx.Models.Nb201;
using Onnx;

namespace NasiOnnx.Tests.Models.Nb201;

/// <summary>
/// An independent float64 forward pass of the NAS-Bench-201 network, for checking the ONNX graph. It reads only the
/// weights from the model (by their documented names) and follows the cell and SEARCH-SPACES.md itself, with its
/// own conv, BatchNorm, pooling and linear loops; it never looks at the graph's nodes.
/// </summary>
public sealed class ReferenceNb201Forward
{
    private const double Eps = 1e-5;

    private readonly Dictionary<string, double[]> _weights;
    private readonly Dictionary<string, long[]> _shapes;
    private readonly Nb201Cell _cell;
    private readonly Nb201NetworkOptions _options;

    public ReferenceNb201Forward(ModelProto model, Nb201Cell cell, Nb201NetworkOptions options)
    {
        _weights = model.Graph.Initializer
            .Where(t => t.DataType == (int)ElementType.Float)
            .ToDictionary(t => t.Name, t => TensorData.ReadFloats(t).Select(v => (double)v).ToArray());
        _shapes = model.Graph.Initializer.ToDictionary(t => t.Name, TensorData.Dims);
        _cell = cell;
        _options = options;
    }

    private ReferenceNb201Forward(ReferenceNb201Forward source, Dictionary<string, double[]> weights)
    {
        _weights = weights;
        _shapes = source._shapes;
        _cell = source._cell;
        _options = source._options;
    }

    /// <summary>The same network with weights θ + h·u for the tensors in <paramref name="direction"/>, in double:
    /// finite differences of this reference need no float32 step.</summary>
    public ReferenceNb201Forward Perturbed(IReadOnlyDictionary<string, float[]> direction, double h) =>
        new(this, _weights.ToDictionary(kv => kv.Key, kv => direction.TryGetValue(kv.Key, out var u)
            ? kv.Value.Select((v, i) => v + h * u[i]).ToArray()
            : kv.Value));

    /// <summary>Logits [batch, classes], row-major, for NCHW input.</summary>
    public double[] Run(double[] input, int batch)
    {
        var o = _options;
        var x = new Map(batch, o.InputChannels, o.InputSize, o.InputSize, input);
        x = BatchNorm("stem/bn", Conv("stem/conv/W", x, stride: 1, pad: 1));
        for (var stage = 0; stage < 3; stage++)
        {
            if (stage > 0) x = Residual($"stage{stage}/reduce", x);
            for (var k = 0; k < o.N; k++) x = Cell($"stage{stage}/cell{k}", x);
        }
        x = Relu(BatchNorm("head/bn", x));
        var w = _weights["head/fc/W"];
        var b = _weights["head/fc/b"];
        var logits = new double[batch * o.Classes];
        for (var n = 0; n < batch; n++)
            for (var j = 0; j < o.Classes; j++)
            {
                var sum = b[j];
                for (var c = 0; c < x.C; c++)
                {
                    double mean = 0;
                    for (var p = 0; p < x.H * x.W; p++) mean += x[n, c, p / x.W, p % x.W];
                    sum += w[j * x.C + c] * mean / (x.H * x.W);
                }
                logits[n * o.Classes + j] = sum;
            }
        return logits;
    }

    private Map Cell(string scope, Map input)
    {
        var nodes = new Map[Nb201Cell.NodeCount];
        nodes[0] = input;
        for (var to = 1; to < Nb201Cell.NodeCount; to++)
        {
            var sum = input.ZerosLike();
            for (var from = 0; from < to; from++)
            {
                var edge = $"{scope}/edge_{to}_{from}";
                var term = _cell[to, from] switch
                {
                    Nb201Op.None => null,
                    Nb201Op.SkipConnect => nodes[from],
                    Nb201Op.NorConv1x1 => BatchNorm(edge + "/bn", Conv(edge + "/conv/W", Relu(nodes[from]), 1, 0)),
                    Nb201Op.NorConv3x3 => BatchNorm(edge + "/bn", Conv(edge + "/conv/W", Relu(nodes[from]), 1, 1)),
                    Nb201Op.AvgPool3x3 => AvgPool(nodes[from], kernel: 3, stride: 1, pad: 1),
                    _ => throw new ArgumentOutOfRangeException(),
                };
                if (term is not null) sum = sum.Plus(term);
            }
            nodes[to] = sum;
        }
        return nodes[^1];
    }

    private Map Residual(string scope, Map x)
    {
        var a = BatchNorm(scope + "/a/bn", Conv(scope + "/a/conv/W", Relu(x), stride: 2, pad: 1));
        var b = BatchNorm(scope + "/b/bn", Conv(scope + "/b/conv/W", Relu(a), stride: 1, pad: 1));
        var shortcut = Conv(scope + "/shortcut/conv/W", AvgPool(x, kernel: 2, stride: 2, pad: 0), stride: 1, pad: 0);
        return shortcut.Plus(b);
    }

    /// <summary>Square-kernel convolution without bias; weight [out, in, k, k].</summary>
    private Map Conv(string weight, Map x, int stride, int pad)
    {
        var w = _weights[weight];
        var shape = _shapes[weight];
        if (shape.Length != 4 || shape[1] != x.C || shape[2] != shape[3])
            throw new InvalidOperationException($"{weight}: shape [{string.Join(",", shape)}] does not fit {x.C} input channels");
        var outC = (int)shape[0];
        var k = (int)shape[2];
        var h = (x.H + 2 * pad - k) / stride + 1;
        var wd = (x.W + 2 * pad - k) / stride + 1;
        var y = new Map(x.N, outC, h, wd);
        for (var n = 0; n < x.N; n++)
            for (var o = 0; o < outC; o++)
                for (var i = 0; i < h; i++)
                    for (var j = 0; j < wd; j++)
                    {
                        double s = 0;
                        for (var c = 0; c < x.C; c++)
                            for (var u = 0; u < k; u++)
                                for (var v = 0; v < k; v++)
                                {
                                    int r = i * stride - pad + u, q = j * stride - pad + v;
                                    if (r >= 0 && r < x.H && q >= 0 && q < x.W) s += w[((o * x.C + c) * k + u) * k + v] * x[n, c, r, q];
                                }
                        y[n, o, i, j] = s;
                    }
        return y;
    }

    /// <summary>BatchNorm: batch statistics (biased variance) in training mode, the stored running ones otherwise.</summary>
    private Map BatchNorm(string scope, Map x)
    {
        var scale = _weights[scope + "/scale"];
        var bias = _weights[scope + "/bias"];
        var y = x.ZerosLike();
        var count = x.N * x.H * x.W;
        for (var c = 0; c < x.C; c++)
        {
            double mean, variance;
            if (_options.BatchNorm == BatchNormMode.Training)
            {
                mean = 0;
                foreach (var v in x.Channel(c)) mean += v;
                mean /= count;
                variance = 0;
                foreach (var v in x.Channel(c)) variance += (v - mean) * (v - mean);
                variance /= count;
            }
            else
            {
                mean = _weights[scope + "/mean"][c];
                variance = _weights[scope + "/var"][c];
            }
            var inv = 1 / Math.Sqrt(variance + Eps);
            for (var n = 0; n < x.N; n++)
                for (var i = 0; i < x.H; i++)
                    for (var j = 0; j < x.W; j++)
                        y[n, c, i, j] = (x[n, c, i, j] - mean) * inv * scale[c] + bias[c];
        }
        return y;
    }

    /// <summary>Average pooling that divides by the window's in-image cells (count_include_pad = 0).</summary>
    private static Map AvgPool(Map x, int kernel, int stride, int pad)
    {
        var h = (x.H + 2 * pad - kernel) / stride + 1;
        var wd = (x.W + 2 * pad - kernel) / stride + 1;
        var y = new Map(x.N, x.C, h, wd);
        for (var n = 0; n < x.N; n++)
            for (var c = 0; c < x.C; c++)
                for (var i = 0; i < h; i++)
                    for (var j = 0; j < wd; j++)
                    {
                        double s = 0;
                        var cells = 0;
                        for (var u = 0; u < kernel; u++)
                            for (var v = 0; v < kernel; v++)
                            {
                                int r = i * stride - pad + u, q = j * stride - pad + v;
                                if (r < 0 || r >= x.H || q < 0 || q >= x.W) continue;
                                s += x[n, c, r, q];
                                cells++;
                            }
                        y[n, c, i, j] = s / cells;
                    }
        return y;
    }

    private static Map Relu(Map x) => new(x.N, x.C, x.H, x.W, x.Data.Select(v => Math.Max(v, 0)).ToArray());

    /// <summary>An NCHW float64 feature map.</summary>
    private sealed class Map(int n, int c, int h, int w, double[]? data = null)
    {
        public int N { get; } = n;
        public int C { get; } = c;
        public int H { get; } = h;
        public int W { get; } = w;
        public double[] Data { get; } = data ?? new double[n * c * h * w];

        public double this[int n, int c, int i, int j]
        {
            get => Data[((n * C + c) * H + i) * W + j];
            set => Data[((n * C + c) * H + i) * W + j] = value;
        }

        public IEnumerable<double> Channel(int c)
        {
            for (var n = 0; n < N; n++)
                for (var p = 0; p < H * W; p++) yield return this[n, c, p / W, p % W];
        }

        public Map ZerosLike() => new(N, C, H, W);

        public Map Plus(Map other) => new(N, C, H, W, Data.Zip(other.Data, (a, b) => a + b).ToArray());
    }
}
