using NasiOnnx.Engine.Graphs;
using Onnx;

namespace NasiOnnx.Engine.Autodiff.Rules;

/// <summary>
/// Emits the exact unrolling of one LSTM, GRU or RNN node over its static sequence length into ops that have
/// gradient rules (MatMul, Add, Sub, Mul, the activations, Clip, Split, Concat, Reshape, Transpose), reading the
/// node's own inputs. Sequence lengths become float masks m_t = [t &lt; len] per sample: a step's output is m·h and
/// its state m·h + (1 − m)·h_prev, so past a sample's length Y is zero and the state (hence Y_h, Y_c) stays that of
/// its last valid step; in the reverse direction, whose first steps are the pads, the state stays the initial one
/// until the sample's last valid step, which is where ONNX starts it. Absent initial states are zeros, written as
/// terms left out (not multiplications by zero). Every emitted value's static shape is recorded for the rules.
/// </summary>
internal sealed class RecurrentUnroller
{
    /// <summary>The unrolled outputs (null where not asked for), the emitted nodes in order and their outputs' shapes.</summary>
    public sealed record Result(string? Y, string? Yh, string? Yc, List<NodeProto> Nodes, Dictionary<string, long[]> Shapes);

    private readonly GraphBuilder _g;
    private readonly NodeProto _node;
    private readonly RecurrentCell _cell;
    private readonly Func<string, long[]> _inputShape;
    private readonly Func<long[], string> _ints;
    private readonly Func<float, string> _scalar;
    private readonly List<NodeProto> _nodes = [];
    private readonly Dictionary<string, long[]> _shapes = new(StringComparer.Ordinal);
    private readonly long _steps, _batch, _hidden;

    private RecurrentUnroller(GraphBuilder g, NodeProto node, RecurrentCell cell, Func<string, long[]> shape, Func<long[], string> ints, Func<float, string> scalar)
    {
        (_g, _node, _cell, _inputShape, _ints, _scalar) = (g, node, cell, shape, ints, scalar);
        var xShape = shape(node.Input[0]);
        if (xShape.Length != 3) throw GradientContext.Unsupported(node, $"an input X of rank {xShape.Length} (ONNX asks for 3)");
        (_steps, _batch) = cell.Layout == 0 ? (xShape[0], xShape[1]) : (xShape[1], xShape[0]);
        if (_steps < 1) throw GradientContext.Unsupported(node, "an empty sequence");
        _hidden = cell.Hidden;
    }

    /// <summary>
    /// Unrolls <paramref name="node"/> into <paramref name="g"/>. <paramref name="shape"/> gives its inputs' static
    /// shapes, <paramref name="ints"/> and <paramref name="scalar"/> make int64 and float constants, and
    /// <paramref name="constantInts"/> reads a constant input (to drop masks when every length is the full one).
    /// </summary>
    public static Result Emit(GraphBuilder g, NodeProto node, Func<string, long[]> shape, Func<long[], string> ints, Func<float, string> scalar,
        Func<string, long[]?> constantInts, bool wantY, bool wantYh, bool wantYc)
    {
        var cell = RecurrentCell.Of(node);
        var u = new RecurrentUnroller(g, node, cell, shape, ints, scalar);
        return u.Run(constantInts, wantY, wantYh, wantYc);
    }

    private string Input(int i) => i < _node.Input.Count ? _node.Input[i] : "";

    private Result Run(Func<string, long[]?> constantInts, bool wantY, bool wantYh, bool wantYc)
    {
        var (t, b, h, gates) = (_steps, _batch, _hidden, (long)_cell.Gates);
        var dirs = _cell.Directions;
        var x = Input(0);
        var inputSize = _inputShape(x)[2];
        if (_cell.Layout == 1) x = Op("Transpose", [x], [t, b, inputSize], Attr.Ints("perm", 1, 0, 2));
        CheckShape(1, [dirs, gates * h, inputSize]);
        CheckShape(2, [dirs, gates * h, h]);
        CheckShape(3, [dirs, 2 * gates * h]);
        CheckShape(5, _cell.Layout == 0 ? [dirs, b, h] : [b, dirs, h]);
        if (_cell.Op == "LSTM")
        {
            CheckShape(6, _cell.Layout == 0 ? [dirs, b, h] : [b, dirs, h]);
            CheckShape(7, [dirs, 3 * h]);
        }
        long[] stateShape = [dirs, b, h];
        var w = PerDirection(Input(1), [gates * h, inputSize]);
        var r = PerDirection(Input(2), [gates * h, h]);
        var bias = Input(3).Length > 0 ? PerDirection(Input(3), [2 * gates * h]) : null;
        var h0 = Input(5).Length > 0 ? PerDirection(StateInput(Input(5)), [b, h]) : null;
        var c0 = _cell.Op == "LSTM" && Input(6).Length > 0 ? PerDirection(StateInput(Input(6)), [b, h]) : null;
        var peep = _cell.Op == "LSTM" && Input(7).Length > 0 ? PerDirection(Input(7), [3 * h]) : null;
        var masks = Masks(Input(4), constantInts);

        var ys = new string[dirs];
        var hs = new string[dirs];
        var cs = new string[dirs];
        for (var d = 0; d < dirs; d++)
        {
            var steps = new Direction(this, d, x, inputSize, w[d], r[d], bias?[d], peep?[d]);
            var (hPrev, cPrev) = (h0?[d], c0?[d]);
            var outputs = new string[t];
            foreach (var step in _cell.Reversed(d) ? Enumerable.Range(0, (int)t).Reverse() : Enumerable.Range(0, (int)t))
            {
                var (hNew, cNew) = steps.Step(step, hPrev, cPrev);
                if (masks is { } m)
                {
                    outputs[step] = Op("Mul", [hNew, m[step].Keep], [b, h]);
                    hPrev = hPrev is null ? outputs[step] : Op("Add", [outputs[step], Op("Mul", [hPrev, m[step].Hold], [b, h])], [b, h]);
                    if (cNew is not null)
                    {
                        var kept = Op("Mul", [cNew, m[step].Keep], [b, h]);
                        cPrev = cPrev is null ? kept : Op("Add", [kept, Op("Mul", [cPrev, m[step].Hold], [b, h])], [b, h]);
                    }
                }
                else (outputs[step], hPrev, cPrev) = (hNew, hNew, cNew);
            }
            if (wantY)
                ys[d] = t == 1 ? Reshape(outputs[0], [1, 1, b, h])
                    : Reshape(Op("Concat", outputs.Select(o => Reshape(o, [1, b, h])).ToArray(), [t, b, h], Attr.Int("axis", 0)), [t, 1, b, h]);
            (hs[d], cs[d]) = (hPrev!, cPrev!);
        }

        string? y = null, yh = null, yc = null;
        if (wantY)
        {
            y = dirs == 1 ? ys[0] : Op("Concat", ys, [t, dirs, b, h], Attr.Int("axis", 1));
            if (_cell.Layout == 1) y = Op("Transpose", [y], [b, t, dirs, h], Attr.Ints("perm", 2, 0, 1, 3));
        }
        string States(string[] perDirection)
        {
            var s = dirs == 1 ? Reshape(perDirection[0], stateShape)
                : Op("Concat", perDirection.Select(v => Reshape(v, [1, b, h])).ToArray(), stateShape, Attr.Int("axis", 0));
            return _cell.Layout == 1 ? Op("Transpose", [s], [b, dirs, h], Attr.Ints("perm", 1, 0, 2)) : s;
        }
        if (wantYh) yh = States(hs);
        if (wantYc && _cell.Op == "LSTM") yc = States(cs);
        return new Result(y, yh, yc, _nodes, _shapes);
    }

    /// <summary>One direction's weights, split into its gates' blocks, and its cell: one time step per call.</summary>
    private sealed class Direction
    {
        private readonly RecurrentUnroller _u;
        private readonly RecurrentActivation[] _f;
        private readonly string[] _x;        // per step: X_t·Wᵀ + biases, [B, gates·H] (GRU: z and r only)
        private readonly string[]? _xh;      // GRU: per step X_t·W_hᵀ + Wb_h (+ Rb_h unless linear_before_reset)
        private readonly string _rT;         // Rᵀ, [H, gates·H] (GRU: z and r only)
        private readonly string? _rhT;       // GRU: R_hᵀ
        private readonly string? _rbh;       // GRU with linear_before_reset: Rb_h, added inside r ⊙ (…)
        private readonly string[]? _p;       // LSTM peepholes i, o, f

        public Direction(RecurrentUnroller u, int d, string x, long inputSize, string w, string r, string? bias, string? peep)
        {
            _u = u;
            _f = u._cell.Activations[d];
            var (t, b, h, gates) = (u._steps, u._batch, u._hidden, (long)u._cell.Gates);
            var xw = u.Op("MatMul", [x, u.Op("Transpose", [w], [inputSize, gates * h], Attr.Ints("perm", 1, 0))], [t, b, gates * h]);
            string? wb = null, rb = null; // the input and recurrence biases, [gates·H] each
            if (bias is not null)
            {
                var halves = u.Split(bias, 0, [gates * h, gates * h], [[gates * h], [gates * h]]);
                (wb, rb) = (halves[0], halves[1]);
            }
            var rTransposed = u.Op("Transpose", [r], [h, gates * h], Attr.Ints("perm", 1, 0));
            if (u._cell.Op == "GRU")
            {
                if (wb is not null) xw = u.Op("Add", [xw, wb], [t, b, 3 * h]);
                var parts = u.Split(xw, 2, [2 * h, h], [[t, b, 2 * h], [t, b, h]]);
                var (xzr, xh) = (parts[0], parts[1]);
                if (rb is not null)
                {
                    var rbParts = u.Split(rb, 0, [2 * h, h], [[2 * h], [h]]);
                    xzr = u.Op("Add", [xzr, rbParts[0]], [t, b, 2 * h]);
                    if (u._cell.LinearBeforeReset) _rbh = rbParts[1];
                    else xh = u.Op("Add", [xh, rbParts[1]], [t, b, h]);
                }
                var rParts = u.Split(rTransposed, 1, [2 * h, h], [[h, 2 * h], [h, h]]);
                (_rT, _rhT) = (rParts[0], rParts[1]);
                _x = u.Steps(xzr, 2 * h);
                _xh = u.Steps(xh, h);
            }
            else
            {
                if (wb is not null) xw = u.Op("Add", [xw, u.Op("Add", [wb, rb!], [gates * h])], [t, b, gates * h]);
                _rT = rTransposed;
                _x = u.Steps(xw, gates * h);
            }
            if (peep is not null) _p = u.Split(peep, 0, [h, h, h], [[h], [h], [h]]);
        }

        /// <summary>The step's new hidden state and (LSTM) cell state from the previous ones (null: zeros).</summary>
        public (string H, string? C) Step(int t, string? hPrev, string? cPrev)
        {
            var (u, b, h) = (_u, _u._batch, _u._hidden);
            long[] bh = [b, h];
            string Plus(string a, string? c, long[] shape) => c is null ? a : u.Op("Add", [a, c], shape);
            string Times(string a, string c) => u.Op("Mul", [a, c], bh);
            string OneMinus(string a) => u.Op("Sub", [u._scalar(1), a], bh);
            long[] width = [b, ShapeOf(_rT)[1]];
            var pre = Plus(_x[t], hPrev is null ? null : u.Op("MatMul", [hPrev, _rT], width), width);
            switch (u._cell.Op)
            {
                case "LSTM":
                {
                    var g = u.Split(pre, 1, [h, h, h, h], [bh, bh, bh, bh]); // i, o, f, c
                    var i = u.Activate(_f[0], Plus(g[0], _p is null || cPrev is null ? null : Times(_p[0], cPrev), bh));
                    var f = u._cell.InputForget ? OneMinus(i) : u.Activate(_f[0], Plus(g[2], _p is null || cPrev is null ? null : Times(_p[2], cPrev), bh));
                    var c = Plus(Times(i, u.Activate(_f[1], g[3])), cPrev is null ? null : Times(f, cPrev), bh);
                    var o = u.Activate(_f[0], Plus(g[1], _p is null ? null : Times(_p[1], c), bh));
                    return (Times(o, u.Activate(_f[2], c, clip: false)), c);
                }
                case "GRU":
                {
                    var zr = u.Split(pre, 1, [h, h], [bh, bh]);
                    var z = u.Activate(_f[0], zr[0]);
                    var r = u.Activate(_f[0], zr[1]);
                    string? reset;
                    if (u._cell.LinearBeforeReset)
                    {
                        var inner = hPrev is null ? _rbh : Plus(u.Op("MatMul", [hPrev, _rhT!], bh), _rbh, bh);
                        reset = inner is null ? null : Times(r, inner);
                    }
                    else reset = hPrev is null ? null : u.Op("MatMul", [Times(r, hPrev), _rhT!], bh);
                    var candidate = u.Activate(_f[1], Plus(_xh![t], reset, bh));
                    return (Plus(Times(OneMinus(z), candidate), hPrev is null ? null : Times(z, hPrev), bh), null);
                }
                default:
                    return (u.Activate(_f[0], pre), null);
            }
        }

        private long[] ShapeOf(string value) => _u._shapes[value];
    }

    /// <summary>f(clip(x)): the clip applies to every activation's input except LSTM's output one, h(C) (as ONNX Runtime).</summary>
    private string Activate(RecurrentActivation f, string x, bool clip = true)
    {
        var shape = _shapes[x];
        if (clip && _cell.Clip is { } c) x = Op("Clip", [x, _scalar(-c), _scalar(c)], shape);
        return f.Name switch
        {
            "LeakyRelu" or "Elu" => Op(f.Name, [x], shape, Attr.Float("alpha", f.Alpha)),
            "HardSigmoid" => Op(f.Name, [x], shape, Attr.Float("alpha", f.Alpha), Attr.Float("beta", f.Beta)),
            "Affine" => Op("Add", [Op("Mul", [x, _scalar(f.Alpha)], shape), _scalar(f.Beta)], shape),
            "ScaledTanh" => Op("Mul", [Op("Tanh", [Op("Mul", [x, _scalar(f.Beta)], shape)], shape), _scalar(f.Alpha)], shape),
            _ => Op(f.Name, [x], shape),
        };
    }

    /// <summary>The float masks of each step, m = [t &lt; len] and 1 − m as [B, 1]; null when there are no lengths
    /// or every constant length is the full sequence.</summary>
    private (string Keep, string Hold)[]? Masks(string lengths, Func<string, long[]?> constantInts)
    {
        if (lengths.Length == 0) return null;
        if (constantInts(lengths) is { } known)
        {
            if (known.Length != _batch) throw GradientContext.Unsupported(_node, $"{known.Length} sequence lengths for a batch of {_batch}");
            if (known.Any(l => l < 0 || l > _steps)) throw GradientContext.Unsupported(_node, $"sequence lengths [{string.Join(", ", known)}] outside 0–{_steps}");
            if (known.All(l => l == _steps)) return null;
        }
        var asFloat = Reshape(Op("Cast", [lengths], [_batch], Attr.Int("to", (long)ElementType.Float)), [_batch, 1]);
        return Enumerable.Range(0, (int)_steps).Select(t =>
        {
            var keep = Op("Cast", [Op("Greater", [asFloat, _scalar(t)], [_batch, 1])], [_batch, 1], Attr.Int("to", (long)ElementType.Float));
            return (keep, Op("Sub", [_scalar(1), keep], [_batch, 1]));
        }).ToArray();
    }

    /// <summary>Refuses an optional input whose static shape is not the one ONNX defines for this node.</summary>
    private void CheckShape(int index, long[] expected)
    {
        var value = Input(index);
        if (value.Length == 0) return;
        var actual = _inputShape(value);
        if (!actual.SequenceEqual(expected))
            throw GradientContext.Unsupported(_node, $"input {index} '{value}' has shape [{string.Join(",", actual)}] where ONNX asks for [{string.Join(",", expected)}]");
    }

    /// <summary>A layout-1 state input [B, dirs, H] as layout 0's [dirs, B, H].</summary>
    private string StateInput(string value) =>
        _cell.Layout == 0 ? value : Op("Transpose", [value], [_cell.Directions, _batch, _hidden], Attr.Ints("perm", 1, 0, 2));

    /// <summary>An input with a leading direction axis, one value per direction, each reshaped to <paramref name="inner"/>.</summary>
    private string[] PerDirection(string value, long[] inner)
    {
        if (_cell.Directions == 1) return [Reshape(value, inner)];
        long[] one = [1, .. inner];
        return Split(value, 0, [1, 1], [one, one]).Select(v => Reshape(v, inner)).ToArray();
    }

    /// <summary>A [T, B, n] value as T values [B, n].</summary>
    private string[] Steps(string value, long width)
    {
        long[] one = [1, _batch, width];
        var parts = _steps == 1 ? [value] : Split(value, 0, Enumerable.Repeat(1L, (int)_steps).ToArray(), Enumerable.Repeat(one, (int)_steps).ToArray());
        return parts.Select(p => Reshape(p, [_batch, width])).ToArray();
    }

    private string[] Split(string value, long axis, long[] sizes, long[][] shapes)
    {
        var outputs = _g.NodeN("Split", [value, _ints(sizes)], sizes.Length, Attr.Int("axis", axis));
        Record(outputs, shapes);
        return outputs;
    }

    private string Reshape(string value, long[] shape) =>
        _shapes.TryGetValue(value, out var s) && s.SequenceEqual(shape) ? value : Op("Reshape", [value, _ints(shape)], shape);

    private string Op(string opType, IReadOnlyList<string> inputs, long[] shape, params AttributeProto[] attributes)
    {
        var output = _g.Node(opType, inputs, attributes);
        Record([output], [shape]);
        return output;
    }

    private void Record(string[] outputs, long[][] shapes)
    {
        _nodes.Add(_g.Graph.Node[^1]);
        for (var i = 0; i < outputs.Length; i++) _shapes[outputs[i]] = shapes[i];
    }

}
