using Onnx;

namespace NasiOnnx.Engine.Graphs;

/// <summary>
/// Makes a fixed batch dimension symbolic where the graph allows it. Exports traced at batch 1 without dynamic axes
/// (torch.onnx.export's default, older tf2onnx) declare the batch as 1 and fold shape computations into constants
/// such as Reshape's [1, 400]. <see cref="Relax"/> follows the batch from the data input through the graph, op by
/// op, with the shapes of one run at the fixed batch: each value's batch axis (and, where an axis holds the batch
/// merged with other dimensions, b·m, its factor m), and the elements of small integer vectors (shape
/// computations: a constant, or b·m). A shape constant is rewritten only where that analysis proves the entry is
/// the batch; anything it cannot follow (an op that reduces, slices or concatenates along the batch, a batch
/// folded into other dimensions, subgraphs, unknown ops on the batch) is a reason not to relax, and the caller
/// scores the model another way. A relaxed model still has to pass the caller's probe (samples stay independent).
/// </summary>
public static class BatchRelaxer
{
    /// <summary>The symbolic name written for the batch dimension.</summary>
    public const string BatchDim = "batch";

    /// <summary>Vectors longer than this are not followed element by element (shape vectors are short).</summary>
    private const int MaxElements = 64;

    /// <summary>The outcome: the relaxed model (a copy) and how many entries were rewritten, or why not.</summary>
    public sealed record Result(ModelProto? Model, int Rewrites, string? Reason)
    {
        public bool Relaxed => Model is not null;
    }

    /// <param name="model">The model; not modified.</param>
    /// <param name="input">The data input, whose dimension 0 is the batch.</param>
    /// <param name="fixedBatch">The batch the model declares (k).</param>
    /// <param name="shapes">The shape of every value in a run at batch k (null where unknown).</param>
    public static Result Relax(ModelProto model, string input, long fixedBatch, Func<string, long[]?> shapes)
    {
        var relaxed = model.Clone();
        try
        {
            var flow = new Flow(relaxed, input, fixedBatch, shapes);
            flow.Run();
            var rewrites = flow.Apply();
            return new Result(relaxed, rewrites, null);
        }
        catch (NotRelaxable e)
        {
            return new Result(null, 0, e.Message);
        }
    }

    private sealed class NotRelaxable(string message) : Exception(message);

    /// <summary>One element of a small integer vector: a constant, or the batch times <see cref="Value"/>.</summary>
    private readonly record struct Elem(bool IsBatch, long Value)
    {
        public static Elem Const(long v) => new(false, v);
        public static Elem Batch(long m) => new(true, m);
    }

    /// <summary>What is known of one value: its shape at batch k, its batch axis and factor, its elements.</summary>
    private sealed class Info
    {
        public long[]? Shape;
        public int Axis = -1;
        public long Inner = 1;
        public Elem[]? Elems;
        public bool HasBatch => Axis >= 0;
        public bool ElemsHaveBatch => Elems is not null && Elems.Any(e => e.IsBatch);
    }

    private abstract record Rewrite(NodeProto Node, int Index);
    private sealed record ConstInput(NodeProto Node, int Index, long[] Values) : Rewrite(Node, Index);
    private sealed record SpliceBatch(NodeProto Node, int Index, int Position, long Factor, int Length) : Rewrite(Node, Index);
    private sealed record ExpandToBatch(NodeProto Node, int Index, int Axis, int Rank) : Rewrite(Node, Index);

    private sealed class Flow
    {
        private readonly ModelProto _model;
        private readonly GraphProto _graph;
        private readonly string _input;
        private readonly long _k;
        private readonly Func<string, long[]?> _shapes;
        private readonly Dictionary<string, Info> _info = new(StringComparer.Ordinal);
        private readonly List<Rewrite> _rewrites = [];
        private readonly long _opset;
        private NodeProto _node = new();

        public Flow(ModelProto model, string input, long k, Func<string, long[]?> shapes)
        {
            _model = model;
            _graph = model.Graph;
            _input = input;
            _k = k;
            _shapes = shapes;
            _opset = GraphBuilder.Extend(model).Opset;
        }

        private NotRelaxable Fail(string why) =>
            new(_node.OpType.Length > 0 ? $"{_node.Describe()} {why}" : why);

        public void Run()
        {
            foreach (var t in _graph.Initializer)
                _info[t.Name] = new Info { Shape = t.Dims.ToArray(), Elems = ConstElems(t) };
            foreach (var i in _graph.Input)
            {
                if (_info.ContainsKey(i.Name)) continue;
                if (i.Name == _input) _info[i.Name] = new Info { Shape = _shapes(i.Name), Axis = 0 };
                else throw Fail($"graph input '{i.Name}' besides the data input: not relaxed");
            }
            foreach (var node in _graph.Node)
            {
                _node = node;
                if (node.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0)) throw Fail("has subgraphs, which are not relaxed");
                var inputs = node.Input.Select(n => n.Length == 0 ? null : Known(n)).ToArray();
                var outputs = Transfer(node, inputs);
                for (var o = 0; o < node.Output.Count; o++)
                {
                    if (node.Output[o].Length == 0) continue;
                    var info = o < outputs.Length ? outputs[o] : new Info();
                    info.Shape ??= _shapes(node.Output[o]);
                    if (info.HasBatch && (info.Shape is null || info.Axis >= info.Shape.Length))
                        throw Fail($"output '{node.Output[o]}' has no known shape");
                    _info[node.Output[o]] = info;
                }
            }
            _node = new NodeProto();
            var logits = _graph.Output.Count > 0 && _info.TryGetValue(_graph.Output[0].Name, out var l) ? l : null;
            if (logits is not { Axis: 0, Inner: 1 })
                throw Fail("the logits do not carry the batch on their first axis");
        }

        private Info Known(string name) =>
            _info.TryGetValue(name, out var info) ? info : throw Fail($"reads '{name}' before any node makes it (the graph is not in order)");

        private static Elem[]? ConstElems(TensorProto t)
        {
            if (t.DataType is not ((int)ElementType.Int64 or (int)ElementType.Int32) || t.Dims.Count > 1 || TensorData.IsExternal(t)) return null;
            var count = Tensor.Count(t.Dims);
            if (count > MaxElements) return null;
            long[] values;
            try { values = TensorData.ReadInt64s(t); }
            catch (GraphException) { return null; }
            return values.Length == count ? values.Select(Elem.Const).ToArray() : null;
        }

        private Elem[]? ConstantNodeElems(NodeProto node) =>
            node.Find("value")?.T is { } t ? ConstElems(t)
            : node.Find("value_int") is { } i ? [Elem.Const(i.I)]
            : node.Find("value_ints") is { } ints && ints.Ints.Count <= MaxElements ? ints.Ints.Select(Elem.Const).ToArray()
            : null;

        /// <summary>The infos of a node's outputs from its inputs'.</summary>
        private Info[] Transfer(NodeProto node, Info?[] inputs)
        {
            var anyBatch = inputs.Any(i => i is not null && (i.HasBatch || i.ElemsHaveBatch));
            if (node.Domain is not ("" or "ai.onnx"))
                return anyBatch ? throw Fail("is outside the ONNX domain and reads the batch") : [];
            switch (node.OpType)
            {
                case "Constant":
                    return [new Info { Elems = ConstantNodeElems(node) }];
                case "Shape":
                    return [ShapeOf(node, inputs[0]!)];
                case "Identity" or "Cast" or "CastLike":
                    return [Copy(inputs[0]!)];
                case "Dropout":
                    return [Copy(inputs[0]!), Copy(inputs[0]!)];
                case "Gather":
                    return [Gather(node, inputs)];
                case "Unsqueeze":
                    return [Unsqueeze(node, inputs)];
                case "Squeeze":
                    return [Squeeze(node, inputs)];
                case "Concat":
                    return [Concat(node, inputs)];
                case "Slice":
                    return [Slice(node, inputs)];
                case "Reshape":
                    return [Reshape(node, inputs)];
                case "Flatten":
                    return [Flatten(node, inputs[0]!)];
                case "Transpose":
                    return [Transpose(node, inputs[0]!)];
                case "Expand":
                    return [Expand(node, inputs)];
                case "ConstantOfShape":
                    return [FromShapeVector(inputs[0]!, "shape")];
                case "Tile":
                    return [Tile(node, inputs)];
                case "Gemm":
                    return [Gemm(node, inputs)];
                case "MatMul":
                    return [MatMul(inputs)];
                case "Split":
                    return Enumerable.Range(0, node.Output.Count).Select(_ => Split(node, inputs[0]!)).ToArray();
                case "Pad":
                    return [Pad(node, inputs)];
                case "Resize" or "Upsample":
                    return [Resize(node, inputs)];
                case "Conv" or "ConvTranspose" or "MaxPool" or "AveragePool" or "GlobalAveragePool" or "GlobalMaxPool" or "LpPool"
                    or "GlobalLpPool" or "BatchNormalization" or "InstanceNormalization" or "LRN" or "DepthToSpace" or "SpaceToDepth":
                    return PerSample(node, inputs);
                case "LSTM" or "GRU" or "RNN":
                    return Recurrent(node, inputs);
                case "Add" or "Sub" or "Mul" or "Div":
                    return [inputs.All(i => i?.Elems is not null) ? Arithmetic(node.OpType, inputs[0]!, inputs[1]!) : Broadcast(node, inputs)];
                case "Relu" or "LeakyRelu" or "PRelu" or "Sigmoid" or "HardSigmoid" or "HardSwish" or "Tanh" or "Elu" or "Selu" or "Celu"
                    or "Gelu" or "Softplus" or "Softsign" or "Mish" or "Exp" or "Log" or "Sqrt" or "Reciprocal" or "Neg" or "Abs" or "Erf"
                    or "Sin" or "Cos" or "Floor" or "Ceil" or "Round" or "Sign" or "Pow" or "Max" or "Min" or "Sum" or "Mean" or "Clip"
                    or "Where" or "Equal" or "Greater" or "Less" or "GreaterOrEqual" or "LessOrEqual" or "And" or "Or" or "Xor" or "Not"
                    or "ThresholdedRelu" or "Shrink" or "IsNaN" or "IsInf" or "BitShift" or "Mod":
                    return [Broadcast(node, inputs)];
                case "Softmax" or "LogSoftmax" or "Hardmax":
                    return [ReduceAlong(node, inputs[0]!, [node.GetInt("axis", _opset < 13 ? 1 : -1)], keep: true, coercesTail: _opset < 13)];
                case "LayerNormalization":
                    return [LayerNorm(node, inputs[0]!), LayerNorm(node, inputs[0]!), LayerNorm(node, inputs[0]!)];
                case "ArgMax" or "ArgMin":
                    return [ReduceAlong(node, inputs[0]!, [node.GetInt("axis", 0)], keep: node.GetInt("keepdims", 1) == 1)];
                case "LpNormalization":
                    return [ReduceAlong(node, inputs[0]!, [node.GetInt("axis", -1)], keep: true)];
                case "ReduceMean" or "ReduceSum" or "ReduceMax" or "ReduceMin" or "ReduceProd" or "ReduceL1" or "ReduceL2"
                    or "ReduceLogSum" or "ReduceLogSumExp" or "ReduceSumSquare":
                    return [Reduce(node, inputs)];
                default:
                    return anyBatch ? throw Fail("is an op whose treatment of the batch is not known here") : [];
            }
        }

        private static Info Copy(Info x) => new() { Axis = x.Axis, Inner = x.Inner, Elems = x.Elems };

        private Info ShapeOf(NodeProto node, Info x)
        {
            var shape = x.Shape ?? throw Fail("reads a value of unknown shape");
            var elems = shape.Select((d, i) => i == x.Axis ? Elem.Batch(x.Inner) : Elem.Const(d)).ToArray();
            var start = (int)Normalize(node.GetInt("start", 0), elems.Length, clamp: true);
            var end = (int)Normalize(node.GetInt("end", elems.Length), elems.Length, clamp: true);
            return new Info { Elems = elems[start..Math.Max(start, end)] };
        }

        private static long Normalize(long index, long length, bool clamp = false)
        {
            if (index < 0) index += length;
            return clamp ? Math.Clamp(index, 0, length) : index;
        }

        /// <summary>A node's constant integer input or attribute (axes, pads, perm, …), or null if absent.</summary>
        private long[]? Ints(NodeProto node, Info?[] inputs, int index, string attribute)
        {
            if (node.GetInts(attribute) is { } fromAttribute) return fromAttribute;
            if (index >= inputs.Length || inputs[index] is null) return null;
            var e = inputs[index]!.Elems;
            if (e is null || e.Any(x => x.IsBatch)) throw Fail($"has a non-constant '{attribute}'");
            return e.Select(x => x.Value).ToArray();
        }

        private Info Gather(NodeProto node, Info?[] inputs)
        {
            var (data, indices) = (inputs[0]!, inputs[1]!);
            var axis = node.GetInt("axis", 0);
            if (data.Elems is not null && !data.HasBatch && !indices.HasBatch && indices.Elems is { } idx && (indices.Shape?.Length ?? 0) <= 1 && axis == 0)
            {
                var picked = new Elem[idx.Length];
                for (var i = 0; i < idx.Length; i++)
                {
                    if (idx[i].IsBatch) throw Fail("indexes with the batch");
                    var j = Normalize(idx[i].Value, data.Elems.Length);
                    if (j < 0 || j >= data.Elems.Length) throw Fail("gathers outside its data");
                    picked[i] = data.Elems[j];
                }
                return new Info { Elems = picked };
            }
            var rank = data.Shape?.Length ?? throw Fail("reads a value of unknown shape");
            var indexRank = indices.Shape?.Length ?? throw Fail("reads indices of unknown shape");
            axis = Normalize(axis, rank);
            if (data.ElemsHaveBatch || indices.ElemsHaveBatch) throw Fail("gathers from a shape that holds the batch");
            if (data.HasBatch && indices.HasBatch) throw Fail("gathers batch-carrying indices from batch-carrying data");
            if (data.HasBatch)
            {
                if (data.Axis == axis) throw Fail("picks samples out of the batch");
                return new Info { Axis = data.Axis < axis ? data.Axis : data.Axis + indexRank - 1, Inner = data.Inner };
            }
            if (indices.HasBatch) return new Info { Axis = (int)axis + indices.Axis, Inner = indices.Inner };
            return new Info();
        }

        private Info Unsqueeze(NodeProto node, Info?[] inputs)
        {
            var x = inputs[0]!;
            var axes = Ints(node, inputs, 1, "axes") ?? throw Fail("has no axes");
            if (x.Elems is not null && !x.HasBatch) return new Info { Elems = x.Elems };
            if (!x.HasBatch) return new Info();
            var rank = (x.Shape?.Length ?? throw Fail("reads a value of unknown shape")) + axes.Length;
            var inserted = axes.Select(a => Normalize(a, rank)).ToHashSet();
            var position = -1;
            for (int i = 0, seen = -1; i < rank; i++)
                if (!inserted.Contains(i) && ++seen == x.Axis) { position = i; break; }
            return position >= 0 ? new Info { Axis = position, Inner = x.Inner } : throw Fail("has axes outside its output");
        }

        private Info Squeeze(NodeProto node, Info?[] inputs)
        {
            var x = inputs[0]!;
            if (x.Elems is not null && !x.HasBatch) return new Info { Elems = x.Elems };
            if (!x.HasBatch) return new Info();
            var shape = x.Shape ?? throw Fail("reads a value of unknown shape");
            var axes = Ints(node, inputs, 1, "axes")?.Select(a => Normalize(a, shape.Length)).ToHashSet()
                       ?? Enumerable.Range(0, shape.Length).Where(i => shape[i] == 1).Select(i => (long)i).ToHashSet();
            if (axes.Contains(x.Axis)) throw Fail("squeezes the batch axis away");
            return new Info { Axis = x.Axis - axes.Count(a => a < x.Axis), Inner = x.Inner };
        }

        private Info Concat(NodeProto node, Info?[] inputs)
        {
            var present = inputs.Where(i => i is not null).Select(i => i!).ToList();
            if (present.Count == 0) return new Info();
            if (present.All(i => i.Elems is not null && !i.HasBatch) && present.All(i => (i.Shape?.Length ?? 0) <= 1))
                return new Info { Elems = present.SelectMany(i => i.Elems!).ToArray() };
            if (present.Any(i => i.ElemsHaveBatch)) throw Fail("concatenates a shape that holds the batch with other values");
            var carriers = present.Where(i => i.HasBatch).ToList();
            if (carriers.Count == 0) return new Info();
            var rank = carriers[0].Shape?.Length ?? throw Fail("reads a value of unknown shape");
            var axis = Normalize(node.GetInt("axis", 0), rank);
            var (p, m) = (carriers[0].Axis, carriers[0].Inner);
            if (axis == p) throw Fail("concatenates along the batch axis");
            if (carriers.Any(c => c.Axis != p || c.Inner != m)) throw Fail("joins values whose batch is on different axes");
            for (var i = 0; i < inputs.Length; i++)
            {
                var v = inputs[i];
                if (v is null || v.HasBatch) continue;
                var dim = v.Shape is { } s && s.Length == rank ? s[p] : throw Fail("joins values of unknown or different ranks");
                if (dim == _k * m && _k * m == 1) _rewrites.Add(new ExpandToBatch(node, i, p, rank));
                else throw Fail($"joins a value without the batch whose axis {p} holds {dim}");
            }
            return new Info { Axis = p, Inner = m };
        }

        private Info Slice(NodeProto node, Info?[] inputs)
        {
            var x = inputs[0]!;
            var starts = Ints(node, inputs, 1, "starts") ?? throw Fail("has no starts");
            var ends = Ints(node, inputs, 2, "ends") ?? throw Fail("has no ends");
            var axes = Ints(node, inputs, 3, "axes") ?? Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
            var steps = Ints(node, inputs, 4, "steps") ?? Enumerable.Repeat(1L, starts.Length).ToArray();
            if (axes.Length != starts.Length || ends.Length != starts.Length || steps.Length != starts.Length)
                throw Fail("has starts, ends, axes and steps of different lengths");
            if (x.Elems is not null && !x.HasBatch)
            {
                if (starts.Length != 1 || Normalize(axes[0], 1) != 0 || steps[0] == 0) throw Fail("slices a shape vector in a way not followed");
                var n = x.Elems.Length;
                var picked = new List<Elem>();
                var step = steps[0];
                var start = step > 0 ? Math.Clamp(Normalize(starts[0], n), 0, n) : Math.Clamp(Normalize(starts[0], n), -1, n - 1);
                var end = step > 0 ? Math.Clamp(Normalize(ends[0], n), 0, n) : Math.Clamp(Normalize(ends[0], n), -1, n - 1);
                for (var i = start; step > 0 ? i < end : i > end; i += step) picked.Add(x.Elems[i]);
                return new Info { Elems = picked.ToArray() };
            }
            if (!x.HasBatch) return new Info();
            var rank = x.Shape!.Length;
            for (var i = 0; i < axes.Length; i++)
            {
                if (Normalize(axes[i], rank) != x.Axis) continue;
                var size = x.Shape[x.Axis];
                if (Normalize(starts[i], size) > 0 || steps[i] != 1 || Normalize(ends[i], size) < size)
                    throw Fail("slices the batch axis");
            }
            return Copy(x);
        }

        private Info Flatten(NodeProto node, Info x)
        {
            if (!x.HasBatch) return new Info { Elems = x.Elems };
            var s = x.Shape!;
            var axis = (int)Normalize(node.GetInt("axis", 1), s.Length);
            if (axis < 0 || axis > s.Length) throw Fail("has an axis outside its input");
            if (x.Axis < axis)
            {
                if (Product(s, 0, x.Axis) != 1) throw Fail("folds the batch into other dimensions");
                return new Info { Axis = 0, Inner = x.Inner * Product(s, x.Axis + 1, axis) };
            }
            if (Product(s, axis, x.Axis) != 1) throw Fail("folds the batch into other dimensions");
            return new Info { Axis = 1, Inner = x.Inner * Product(s, x.Axis + 1, s.Length) };
        }

        private static long Product(long[] s, int from, int to)
        {
            long p = 1;
            for (var i = from; i < to; i++) p *= s[i];
            return p;
        }

        private Info Transpose(NodeProto node, Info x)
        {
            if (!x.HasBatch) return x.Elems is not null ? new Info { Elems = x.Elems } : new Info();
            var rank = x.Shape!.Length;
            var perm = node.GetInts("perm") ?? Enumerable.Range(0, rank).Reverse().Select(i => (long)i).ToArray();
            var q = Array.IndexOf(perm, (long)x.Axis);
            return q >= 0 ? new Info { Axis = q, Inner = x.Inner } : throw Fail("has a perm without the batch axis");
        }

        /// <summary>
        /// Reshape: where the batch lands in the output (the one axis whose outer part and inner block match the
        /// input's; the input's own axis first when several do, as with batch 1 among other 1s), and the shape
        /// entry there rewritten as the batch: -1 when the shape has no other, else 0 (copy) or the batch spliced
        /// in at run time.
        /// </summary>
        private Info Reshape(NodeProto node, Info?[] inputs)
        {
            var (x, shapeInput) = (inputs[0]!, inputs[1]!);
            if (x.Elems is not null && !x.HasBatch) return new Info { Elems = x.Elems };
            if (!x.HasBatch)
                return shapeInput.ElemsHaveBatch ? throw Fail("reshapes a value without the batch to a shape with it") : new Info();
            var s = x.Shape!;
            var t = _shapes(node.Output[0]) ?? throw Fail("has an output of unknown shape");
            var outer = Product(s, 0, x.Axis);
            var block = x.Inner * Product(s, x.Axis + 1, s.Length);
            var candidates = new List<(int Q, long M)>();
            for (var q = 0; q < t.Length; q++)
            {
                if (Product(t, 0, q) != outer || t[q] % _k != 0) continue;
                var m = t[q] / _k;
                if (m >= 1 && m * Product(t, q + 1, t.Length) == block) candidates.Add((q, m));
            }
            if (candidates.Count == 0) throw Fail("folds the batch into other dimensions");
            var same = candidates.FindIndex(c => c.Q == x.Axis);
            var (at, factor) = candidates[same >= 0 ? same : 0];
            var elems = shapeInput.Elems ?? throw Fail("has a shape computed in a way not followed");
            if (elems.Length != t.Length) throw Fail("has a shape whose length differs from its output's rank");
            var allowZero = node.GetInt("allowzero", 0) == 1;
            for (var j = 0; j < elems.Length; j++)
            {
                if (j == at) continue;
                var e = elems[j];
                if (e.IsBatch) throw Fail("puts the batch on two axes");
                if (e.Value == 0 && !allowZero && j == x.Axis) throw Fail("copies the batch onto another axis");
            }
            var entry = elems[at];
            var fine = entry.IsBatch ? entry.Value == factor
                : entry.Value == -1 || (entry.Value == 0 && !allowZero && at == x.Axis && x.Inner == factor);
            if (!fine)
            {
                if (!entry.IsBatch && entry.Value != _k * factor) throw Fail($"has {entry.Value} where the batch goes");
                var constant = elems.All(e => !e.IsBatch);
                var otherInferred = elems.Where((e, j) => j != at && e.Value == -1).Any();
                if (constant && !otherInferred)
                    _rewrites.Add(new ConstInput(node, 1, elems.Select((e, j) => j == at ? -1 : e.Value).ToArray()));
                else if (constant && !allowZero && at == x.Axis && x.Inner == factor)
                    _rewrites.Add(new ConstInput(node, 1, elems.Select((e, j) => j == at ? 0 : e.Value).ToArray()));
                else
                    _rewrites.Add(new SpliceBatch(node, 1, at, factor, elems.Length));
            }
            return new Info { Axis = at, Inner = factor };
        }

        /// <summary>A tensor whose shape is the given vector (ConstantOfShape, a Reshape of data without the batch).</summary>
        private Info FromShapeVector(Info shape, string what)
        {
            var elems = shape.Elems;
            if (elems is null) return shape.HasBatch ? throw Fail($"has a {what} that carries the batch as data") : new Info();
            var batch = elems.Select((e, i) => (e, i)).Where(p => p.e.IsBatch).ToList();
            if (batch.Count == 0) return new Info();
            if (batch.Count > 1) throw Fail($"puts the batch on two axes of its {what}");
            return new Info { Axis = batch[0].i, Inner = batch[0].e.Value };
        }

        private Info Expand(NodeProto node, Info?[] inputs)
        {
            var (x, shape) = (inputs[0]!, inputs[1]!);
            var elems = shape.Elems ?? (x.HasBatch ? throw Fail("has a shape computed in a way not followed") : null);
            if (elems is null) return new Info();
            var xRank = x.Shape?.Length ?? throw Fail("reads a value of unknown shape");
            var rank = Math.Max(xRank, elems.Length);
            var fromShape = FromShapeVector(shape, "shape");
            if (!x.HasBatch)
                return fromShape.HasBatch ? new Info { Axis = fromShape.Axis + rank - elems.Length, Inner = fromShape.Inner } : new Info();
            var q = x.Axis + rank - xRank;
            var j = q - (rank - elems.Length);
            if (fromShape.HasBatch && fromShape.Axis != j) throw Fail("puts the batch on two axes");
            if (j >= 0 && !elems[j].IsBatch && elems[j].Value != 1)
            {
                if (elems[j].Value != _k * x.Inner) throw Fail($"expands the batch axis to {elems[j].Value}");
                // Expand broadcasts: an entry of 1 keeps the input's dimension, which is the batch.
                if (elems.All(e => !e.IsBatch)) _rewrites.Add(new ConstInput(node, 1, elems.Select((e, i) => i == j ? 1 : e.Value).ToArray()));
                else throw Fail("has a shape that holds the batch twice");
            }
            return new Info { Axis = q, Inner = x.Inner };
        }

        private Info Tile(NodeProto node, Info?[] inputs)
        {
            var (x, repeats) = (inputs[0]!, inputs[1]!);
            var r = repeats.Elems ?? throw Fail("has repeats computed in a way not followed");
            if (x.HasBatch)
            {
                if (x.Axis >= r.Length || r[x.Axis].IsBatch || r[x.Axis].Value != 1) throw Fail("repeats along the batch axis");
                if (r.Any(e => e.IsBatch)) throw Fail("puts the batch on two axes");
                return Copy(x);
            }
            var fromRepeats = FromShapeVector(repeats, "repeats");
            if (fromRepeats.HasBatch && (x.Shape is not { } s || fromRepeats.Axis >= s.Length || s[fromRepeats.Axis] != 1))
                throw Fail("tiles a value to the batch in a way not followed");
            return fromRepeats;
        }

        private Info Gemm(NodeProto node, Info?[] inputs)
        {
            var (a, b) = (inputs[0]!, inputs[1]!);
            if (b.HasBatch || b.ElemsHaveBatch || a.ElemsHaveBatch) throw Fail("multiplies by a weight that carries the batch");
            var c = inputs.Length > 2 ? inputs[2] : null;
            if (!a.HasBatch)
                return c is { HasBatch: true } ? throw Fail("adds a bias that carries the batch") : new Info();
            if (a.Axis != (node.GetInt("transA", 0) == 1 ? 1 : 0)) throw Fail("contracts over the batch axis");
            var result = new Info { Axis = 0, Inner = a.Inner };
            if (c is not null) CheckBroadcast(c, result, 2);
            return result;
        }

        private Info MatMul(Info?[] inputs)
        {
            var (a, b) = (inputs[0]!, inputs[1]!);
            var ra = a.Shape?.Length ?? throw Fail("reads a value of unknown shape");
            var rb = b.Shape?.Length ?? throw Fail("reads a value of unknown shape");
            var r = Math.Max(Math.Max(ra, rb), 2);
            int? qa = null, qb = null;
            if (a.HasBatch)
            {
                if (a.Axis == ra - 1) throw Fail("contracts over the batch axis");
                qa = ra >= 2 && a.Axis == ra - 2 ? r - 2 : a.Axis + r - ra;
            }
            if (b.HasBatch)
            {
                if (rb >= 2 && b.Axis == rb - 2 || rb == 1) throw Fail("contracts over the batch axis");
                qb = b.Axis == rb - 1 ? r - 1 : b.Axis + r - rb;
            }
            if (qa is null && qb is null) return new Info();
            if (qa is not null && qb is not null && (qa != qb || a.Inner != b.Inner)) throw Fail("multiplies values whose batch is on different axes");
            var result = new Info { Axis = (qa ?? qb)!.Value, Inner = qa is not null ? a.Inner : b.Inner };
            // Leading (batched) dimensions broadcast: the operand without the batch must have 1 there.
            if (result.Axis < r - 2)
            {
                var other = qa is null ? a : qb is null ? b : null;
                if (other is not null) CheckBroadcast(other, result, r);
            }
            return result;
        }

        private Info Split(NodeProto node, Info x)
        {
            if (!x.HasBatch) return new Info();
            var axis = Normalize(node.GetInt("axis", 0), x.Shape!.Length);
            return axis == x.Axis ? throw Fail("splits along the batch axis") : Copy(x);
        }

        private Info Pad(NodeProto node, Info?[] inputs)
        {
            var x = inputs[0]!;
            if (!x.HasBatch) return new Info();
            var rank = x.Shape!.Length;
            var pads = Ints(node, inputs, 1, "pads") ?? throw Fail("has no pads");
            var axes = Ints(node, inputs, 3, "axes")?.Select(a => Normalize(a, rank)).ToArray() ?? Enumerable.Range(0, rank).Select(i => (long)i).ToArray();
            if (pads.Length != 2 * axes.Length) throw Fail("has pads that do not match its axes");
            for (var i = 0; i < axes.Length; i++)
                if (axes[i] == x.Axis && (pads[i] != 0 || pads[i + axes.Length] != 0)) throw Fail("pads the batch axis");
            return Copy(x);
        }

        private Info Resize(NodeProto node, Info?[] inputs)
        {
            var x = inputs[0]!;
            if (!x.HasBatch) return new Info();
            if (x.Axis != 0) throw Fail("resizes a value whose batch is not its first axis");
            var scales = node.GetFloats("scales");
            var scalesInput = node.OpType == "Upsample" ? 1 : 2;
            if (scales is null && inputs.Length > scalesInput && inputs[scalesInput] is { } si && si.Shape is { Length: 1 } && si.Shape[0] > 0)
            {
                var t = _graph.Initializer.FirstOrDefault(i => i.Name == node.Input[scalesInput]);
                scales = t is not null && t.DataType == (int)ElementType.Float ? TensorData.ReadFloats(t) : throw Fail("has scales that are not a constant");
            }
            if (scales is { Length: > 0 })
                return scales[0] == 1 ? Copy(x) : throw Fail("scales the batch axis");
            if (inputs.Length > 3 && inputs[3] is { } sizes)
            {
                var e = sizes.Elems ?? throw Fail("has sizes computed in a way not followed");
                if (e.Length == 0 || e[0].IsBatch && e[0].Value == x.Inner) return Copy(x);
                if (e[0].IsBatch || e[0].Value != _k * x.Inner || e.Skip(1).Any(v => v.IsBatch)) throw Fail("resizes the batch axis");
                _rewrites.Add(new SpliceBatch(node, 3, 0, x.Inner, e.Length));
                return Copy(x);
            }
            throw Fail("has neither scales nor sizes");
        }

        private Info[] PerSample(NodeProto node, Info?[] inputs)
        {
            var x = inputs[0]!;
            if (inputs.Skip(1).Any(i => i is not null && (i.HasBatch || i.ElemsHaveBatch))) throw Fail("has a weight that carries the batch");
            if (!x.HasBatch) return [];
            if (x.Axis != 0) throw Fail("runs over a value whose batch is not its first axis");
            // MaxPool's indices carry the batch too; BatchNormalization's running statistics (outputs 1, 2) do not.
            return node.OpType == "MaxPool" ? [Copy(x), Copy(x)] : [Copy(x)];
        }

        /// <summary>
        /// LSTM, GRU, RNN: samples run independently, with the batch on X's axis 1 (layout 0, torch's export) or 0
        /// (layout 1); Y has it on axis 2 or 0, Y_h and Y_c on axis 1 or 0. Initial states must carry the batch
        /// too (constant ones are sized for the fixed batch), and sequence_lens, one per sample, must not be constant.
        /// </summary>
        private Info[] Recurrent(NodeProto node, Info?[] inputs)
        {
            var x = inputs[0]!;
            if (!x.HasBatch) return inputs.Any(i => i is not null && (i.HasBatch || i.ElemsHaveBatch)) ? throw Fail("has a weight that carries the batch") : [];
            var batchFirst = node.GetInt("layout", 0) == 1;
            var axis = batchFirst ? 0 : 1;
            if (x.Axis != axis || x.Inner != 1) throw Fail($"runs over a value whose batch is not its axis {axis}");
            foreach (var i in new[] { 1, 2, 3, 7 })
                if (i < inputs.Length && inputs[i] is { } w && (w.HasBatch || w.ElemsHaveBatch)) throw Fail("has a weight that carries the batch");
            foreach (var i in new[] { 4, 5, 6 })
                if (i < inputs.Length && inputs[i] is { } perSample && (perSample.Axis != (i == 4 ? 0 : axis) || perSample.Inner != 1))
                    throw Fail($"has {(i == 4 ? "sequence lengths" : "an initial state")} sized for the fixed batch");
            return [new Info { Axis = batchFirst ? 0 : 2 }, new Info { Axis = axis }, new Info { Axis = axis }];
        }

        private Info LayerNorm(NodeProto node, Info x)
        {
            if (!x.HasBatch) return new Info();
            var axis = Normalize(node.GetInt("axis", -1), x.Shape!.Length);
            return x.Axis >= axis ? throw Fail("normalizes over the batch axis") : Copy(x); // Mean and InvStdDev keep the leading axes too
        }

        private Info ReduceAlong(NodeProto node, Info x, long[] axes, bool keep, bool coercesTail = false)
        {
            if (!x.HasBatch) return new Info();
            var rank = x.Shape!.Length;
            var reduced = axes.Select(a => Normalize(a, rank)).ToList();
            // Opset < 13 Softmax normalizes over every axis from 'axis' on.
            if (coercesTail) reduced = Enumerable.Range((int)reduced[0], Math.Max(0, rank - (int)reduced[0])).Select(i => (long)i).ToList();
            if (reduced.Contains(x.Axis)) throw Fail("reduces over the batch axis");
            return new Info { Axis = keep ? x.Axis : x.Axis - reduced.Count(a => a < x.Axis), Inner = x.Inner };
        }

        private Info Reduce(NodeProto node, Info?[] inputs)
        {
            var x = inputs[0]!;
            if (!x.HasBatch) return new Info();
            var axes = Ints(node, inputs, 1, "axes");
            var keep = node.GetInt("keepdims", 1) == 1;
            if (axes is null || axes.Length == 0)
            {
                if (node.GetInt("noop_with_empty_axes", 0) == 1) return Copy(x);
                throw Fail("reduces over every axis, the batch's included");
            }
            return ReduceAlong(node, x, axes, keep);
        }

        private Info Broadcast(NodeProto node, Info?[] inputs)
        {
            var rank = _shapes(node.Output[0])?.Length ?? inputs.Max(i => i?.Shape?.Length ?? 0);
            if (inputs.Any(i => i is not null && i.ElemsHaveBatch)) throw Fail("computes with a shape that holds the batch");
            var carriers = inputs.Where(i => i is { HasBatch: true }).Select(i => i!).ToList();
            if (carriers.Count == 0) return new Info();
            var aligned = carriers.Select(c => (Axis: c.Axis + rank - c.Shape!.Length, c.Inner)).Distinct().ToList();
            if (aligned.Count > 1) throw Fail("combines values whose batch is on different axes");
            var result = new Info { Axis = aligned[0].Axis, Inner = aligned[0].Inner };
            foreach (var i in inputs)
                if (i is not null && !i.HasBatch) CheckBroadcast(i, result, rank);
            return result;
        }

        /// <summary>A value without the batch must broadcast along the batch axis: 1 there, or too short to reach it.</summary>
        private void CheckBroadcast(Info other, Info result, int rank)
        {
            var s = other.Shape ?? throw Fail("reads a value of unknown shape");
            var j = result.Axis - (rank - s.Length);
            if (j >= 0 && s[j] != 1) throw Fail($"combines the batch with a value whose matching axis holds {s[j]}");
        }

        /// <summary>Add, Sub, Mul, Div on shape vectors: constants fold, b·m times or over a constant stays b·m'.</summary>
        private Info Arithmetic(string op, Info a, Info b)
        {
            if (a.HasBatch || b.HasBatch) throw Fail("mixes data and shapes");
            var (x, y) = (a.Elems!, b.Elems!);
            if (x.Length != y.Length && x.Length != 1 && y.Length != 1) throw Fail("combines shape vectors of different lengths");
            var n = Math.Max(x.Length, y.Length);
            var result = new Elem[n];
            for (var i = 0; i < n; i++)
            {
                var (u, v) = (x[x.Length == 1 ? 0 : i], y[y.Length == 1 ? 0 : i]);
                result[i] = (op, u.IsBatch, v.IsBatch) switch
                {
                    (_, false, false) => Elem.Const(Fold(op, u.Value, v.Value)),
                    ("Mul", true, false) => Elem.Batch(u.Value * v.Value),
                    ("Mul", false, true) => Elem.Batch(u.Value * v.Value),
                    ("Div", true, false) when v.Value > 0 && u.Value % v.Value == 0 => Elem.Batch(u.Value / v.Value),
                    _ => throw Fail("computes with the batch in a way not followed"),
                };
            }
            return new Info { Elems = result };
        }

        private long Fold(string op, long u, long v) => op switch
        {
            "Add" => u + v,
            "Sub" => u - v,
            "Mul" => u * v,
            _ => v != 0 ? u / v : throw Fail("divides by zero"),
        };

        /// <summary>Rewrites the model: the recorded entries, the input's and outputs' batch dimension, no stale shapes.</summary>
        public int Apply()
        {
            var builder = GraphBuilder.Extend(_model);
            string? batchVector = null;
            string BatchVector()
            {
                if (batchVector is not null) return batchVector;
                var shape = new NodeProto { OpType = "Shape", Name = builder.UniqueName("relax/input_shape") };
                shape.Input.Add(_input);
                shape.Output.Add(builder.UniqueName("relax/input_shape"));
                var gather = new NodeProto { OpType = "Gather", Name = builder.UniqueName("relax/batch") };
                gather.Input.AddRange([shape.Output[0], builder.Int64Constant("relax/zero", 0)]);
                gather.Output.Add(batchVector = builder.UniqueName("relax/batch"));
                gather.Attribute.Add(Attr.Int("axis", 0));
                _graph.Node.Insert(0, gather);
                _graph.Node.Insert(0, shape);
                return batchVector;
            }
            NodeProto Insert(NodeProto before, string op, IEnumerable<string> inputs, params AttributeProto[] attributes)
            {
                var node = new NodeProto { OpType = op, Name = builder.UniqueName($"relax/{op}") };
                node.Input.AddRange(inputs);
                node.Output.Add(builder.UniqueName($"relax/{op}"));
                node.Attribute.AddRange(attributes);
                _graph.Node.Insert(_graph.Node.IndexOf(before), node);
                return node;
            }
            string Scaled(NodeProto before, long factor) =>
                factor == 1 ? BatchVector() : Insert(before, "Mul", [BatchVector(), builder.Int64Constant("relax/factor", factor)]).Output[0];

            foreach (var rewrite in _rewrites)
            {
                var node = rewrite.Node;
                switch (rewrite)
                {
                    case ConstInput c:
                        node.Input[c.Index] = builder.Int64Constant("relax/shape", c.Values);
                        break;
                    case SpliceBatch s:
                    {
                        var original = node.Input[s.Index];
                        var parts = new List<string>();
                        if (s.Position > 0)
                            parts.Add(Insert(node, "Gather", [original, builder.Int64Constant("relax/head", Enumerable.Range(0, s.Position).Select(i => (long)i).ToArray())], Attr.Int("axis", 0)).Output[0]);
                        parts.Add(Scaled(node, s.Factor));
                        if (s.Position < s.Length - 1)
                            parts.Add(Insert(node, "Gather", [original, builder.Int64Constant("relax/tail", Enumerable.Range(s.Position + 1, s.Length - s.Position - 1).Select(i => (long)i).ToArray())], Attr.Int("axis", 0)).Output[0]);
                        node.Input[s.Index] = parts.Count == 1 ? parts[0] : Insert(node, "Concat", parts, Attr.Int("axis", 0)).Output[0];
                        break;
                    }
                    case ExpandToBatch e:
                    {
                        if (_opset < 8) throw Fail("needs Expand (opset 8) to broadcast a value to the batch");
                        var ones = Enumerable.Repeat(1L, e.Rank).ToArray();
                        var parts = new List<string>();
                        if (e.Axis > 0) parts.Add(builder.Int64Constant("relax/ones", ones[..e.Axis]));
                        parts.Add(BatchVector());
                        if (e.Axis < e.Rank - 1) parts.Add(builder.Int64Constant("relax/ones", ones[(e.Axis + 1)..]));
                        var shape = parts.Count == 1 ? parts[0] : Insert(node, "Concat", parts, Attr.Int("axis", 0)).Output[0];
                        node.Input[e.Index] = Insert(node, "Expand", [node.Input[e.Index], shape]).Output[0];
                        break;
                    }
                }
            }

            foreach (var v in _graph.Input.Where(i => i.Name == _input))
                SetSymbolic(v, 0);
            foreach (var o in _graph.Output)
                if (_info.TryGetValue(o.Name, out var info) && info.HasBatch) SetSymbolic(o, info.Axis);
            _graph.ValueInfo.Clear(); // intermediate shapes were for the fixed batch
            return _rewrites.Count;
        }

        private static void SetSymbolic(ValueInfoProto value, int axis)
        {
            var dims = value.Type?.TensorType?.Shape?.Dim;
            if (dims is null || axis >= dims.Count) return;
            dims[axis].ClearDimValue();
            dims[axis].DimParam = BatchDim;
        }
    }
}
