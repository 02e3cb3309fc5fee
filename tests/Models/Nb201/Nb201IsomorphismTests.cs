using NasiOnnx.Engine.Graphs;
using NasiOnnx.Models.Nb201;

namespace NasiOnnx.Tests.Models.Nb201;

public class Nb201IsomorphismTests
{

    private static string Form(string cell) => Nb201Isomorphism.CanonicalForm(Nb201Cell.Parse(cell));

    [Test]
    public void NoneEdgesDeadEndsAndZeroNodesLeaveTheFormAlone()
    {
        // node1 has no path to the output (both of its out-edges are none): whatever it computes is invisible.
        var conv1x1Only = "|nor_conv_3x3~0|+|none~0|none~1|+|nor_conv_1x1~0|none~1|none~2|";
        Assert.That(Form(conv1x1Only), Is.EqualTo("(0)@nor_conv_1x1"));
        Assert.That(Form("|avg_pool_3x3~0|+|none~0|none~1|+|nor_conv_1x1~0|none~1|none~2|"), Is.EqualTo(Form(conv1x1Only)));
        // node1 is zero (its only edge is none), so node2 = conv(0) = 0 and node3 = conv1x1(x) + 0.
        Assert.That(Form("|none~0|+|none~0|nor_conv_3x3~1|+|nor_conv_1x1~0|none~1|skip_connect~2|"), Is.EqualTo(Form(conv1x1Only)));
        Assert.That(Form("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"), Is.EqualTo("#"));
        Assert.That(Form("|nor_conv_3x3~0|+|skip_connect~0|none~1|+|none~0|nor_conv_3x3~1|none~2|"), Is.EqualTo("((0)@nor_conv_3x3)@nor_conv_3x3"));
    }

    [Test]
    public void SkipsFlattenSumsAndTermOrderDoesNotMatter()
    {
        // node3 = avg(x) + node2, node2 = conv(x) + x, against node3 = conv(x) + x + node2', node2' = avg(x)
        var a = Form("|none~0|+|nor_conv_3x3~0|none~1|+|avg_pool_3x3~0|none~1|skip_connect~2|");
        var b = Form("|none~0|+|avg_pool_3x3~0|none~1|+|skip_connect~0|none~1|skip_connect~2|");
        Assert.That(a, Is.EqualTo("(0)@avg_pool_3x3+(0)@nor_conv_3x3"));
        Assert.That(b, Is.EqualTo("(0)@avg_pool_3x3+0"));
        var c = Form("|nor_conv_3x3~0|+|skip_connect~0|skip_connect~1|+|avg_pool_3x3~0|none~1|skip_connect~2|");
        var d = Form("|avg_pool_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|none~1|skip_connect~2|");
        Assert.That(c, Is.EqualTo("(0)@avg_pool_3x3+(0)@nor_conv_3x3+0"));
        Assert.That(d, Is.EqualTo("(0)@avg_pool_3x3+(0)@nor_conv_3x3+0"));
    }

    [Test]
    public void APathCountedTwiceIsNotAPathCountedOnce()
    {
        // node3 = node1 + node2 with node2 = node1 (two routes), against node3 = node1 alone: x + x is not x.
        var twice = Form("|avg_pool_3x3~0|+|none~0|skip_connect~1|+|none~0|skip_connect~1|skip_connect~2|");
        var once = Form("|avg_pool_3x3~0|+|none~0|none~1|+|none~0|skip_connect~1|none~2|");
        Assert.That(twice, Is.EqualTo("(0)@avg_pool_3x3+(0)@avg_pool_3x3"));
        Assert.That(once, Is.EqualTo("(0)@avg_pool_3x3"));
    }

    [Test]
    public void TheClassesPartitionTheSpaceAndEachIsRepresentedByItsSmallestString()
    {
        var classes = Nb201Isomorphism.Classes;
        Assert.That(classes, Has.Count.EqualTo(4_930));
        Assert.That(classes.Sum(c => c.Members.Count), Is.EqualTo(Nb201Cell.SpaceSize));
        Assert.That(classes.SelectMany(c => c.Members).Distinct().Count(), Is.EqualTo(Nb201Cell.SpaceSize));
        foreach (var c in classes)
        {
            var strings = c.Members.Select(m => m.ToString()).ToList();
            if (c.Representative.ToString() != strings.Min(StringComparer.Ordinal) || c.Members.Any(m => Nb201Isomorphism.CanonicalForm(m) != c.CanonicalForm))
                Assert.Fail($"class {c.CanonicalForm}: representative {c.Representative} or a member's form is wrong");
        }
        Assert.That(classes.Select(c => c.CanonicalForm).Distinct().Count(), Is.EqualTo(classes.Count));
        var zero = Nb201Isomorphism.ClassOf(Nb201Cell.Uniform(Nb201Op.None));
        Assert.That(zero.CanonicalForm, Is.EqualTo("#"));
        Assert.That(zero.Members.All(m => !m.IsConnected), Is.True, "the zero class is exactly the cells with no input→output path");
        Assert.That(zero.Members, Has.Count.EqualTo(Nb201Cell.All().Count(m => !m.IsConnected)));
    }

    [Test]
    public void ClassesOfASubsetKeepTheWholeSpacesRepresentative()
    {
        var member = Nb201Cell.Parse("|nor_conv_3x3~0|+|none~0|none~1|+|nor_conv_1x1~0|none~1|none~2|");
        var other = Nb201Cell.Default;
        var classes = Nb201Isomorphism.ClassesOf([member, other, member]);
        Assert.That(classes, Has.Count.EqualTo(2));
        var own = classes.Single(c => c.Members.Contains(member));
        Assert.That(own.Members, Is.EqualTo(new[] { member }));
        Assert.That(own.Representative, Is.EqualTo(Nb201Isomorphism.ClassOf(member).Representative));
        // avg_pool sorts first among the ops, and only node3's edges from nodes 1 and 2 must stay none.
        Assert.That(own.Representative.ToString(), Is.EqualTo("|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|none~2|"));
    }

    /// <summary>
    /// Against NATS-Bench's own isomorphism strings: parsed, with the zero terms (<c>#</c>, and ops applied to
    /// them) dropped and every sum flattened and sorted, each cell's <c>unique_str</c> is exactly our form. So
    /// our classes never split one of NATS-Bench's 6,466; they join those whose strings differ only by zero
    /// terms or by the order a skip's sum was sorted in.
    /// </summary>
    [Test]
    public void TheFormIsNatsBenchsUniqueStringWithZerosDroppedAndSumsSorted()
    {
        var table = Nb201Tables.Require("nb201_all.csv"); // the whole-space table with NATS-Bench's unique_str
        var lines = File.ReadAllLines(table);
        var header = lines[0].Split(',');
        int arch = Array.IndexOf(header, "arch_str"), unique = Array.IndexOf(header, "unique_str");
        Assert.That(arch >= 0 && unique >= 0, $"{table}: expected arch_str and unique_str columns");
        var rows = lines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToList();
        Assert.That(rows, Has.Count.EqualTo(Nb201Cell.SpaceSize));
        Assert.That(rows.Select(r => r[unique]).Distinct().Count(), Is.EqualTo(6_466));
        var mismatches = rows.Where(r => NatsNormalized(r[unique]) != Form(r[arch])).Take(3)
            .Select(r => $"{r[arch]}: ours {Form(r[arch])}, NATS {r[unique]}").ToList();
        Assert.That(mismatches, Is.Empty);
        var ours = rows.GroupBy(r => r[unique]).Select(g => g.Select(r => Form(r[arch])).Distinct().Count());
        Assert.That(ours.All(n => n == 1), "a NATS-Bench class is split");
    }

    /// <summary>
    /// A NAS-Bench-201 CIFAR network's score depends only on the cell's class, up to its weights: edges keep their
    /// names, so two members that differ only in dead ends share every live weight and must score the same. A conv
    /// on a zero node is the documented exception: its BatchNorm bias gets the gradient Σ dy, and the score rises
    /// by exactly that squared norm.
    /// </summary>
    [Test]
    public void MembersDifferingInDeadEndsScoreTheSameAndAConvOnZeroAddsItsBiasGradient()
    {
        var options = new Nb201NetworkOptions { C = 4, N = 1, InputSize = 8, Seed = 3 };
        var plain = Nb201Cell.Parse("|avg_pool_3x3~0|+|none~0|none~1|+|nor_conv_1x1~0|none~1|none~2|");
        var deadEnd = Nb201Cell.Parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|none~1|+|nor_conv_1x1~0|none~1|none~2|");
        var onZero = Nb201Cell.Parse("|none~0|+|none~0|nor_conv_3x3~1|+|nor_conv_1x1~0|none~1|skip_connect~2|");
        Assert.That(new[] { deadEnd, onZero }.Select(Nb201Isomorphism.CanonicalForm), Is.All.EqualTo(Nb201Isomorphism.CanonicalForm(plain)));

        var batch = new NasiOnnx.Engine.Data.GaussianSource([3, 8, 8], 10, 5).Draw(4);
        var runtime = new NasiOnnx.Engine.Runtime.RuntimeOptions { Provider = NasiOnnx.Engine.Runtime.ExecutionProvider.Cpu, IntraOpThreads = 1 };
        NasiOnnx.Engine.Metrics.NasiScore Score(Nb201Cell cell)
        {
            using var scorer = NasiOnnx.Engine.Metrics.NasiScorer.Create(Nb201Network.Build(cell, options), batch.Inputs.Shape, runtime);
            return scorer.Score(batch);
        }
        var (a, b, c) = (Score(plain), Score(deadEnd), Score(onZero));
        // float32 gradients summed in double: the graphs differ only in nodes whose gradients are exactly zero.
        Assert.That(b.Score, Is.EqualTo(a.Score).Within(1e-5 * a.Score));
        var bias = c.Gradients.Where(kv => kv.Key.Contains("edge_2_1/bn/bias", StringComparison.Ordinal)).ToList();
        Assert.That(bias, Has.Count.EqualTo(3), "one dead BN per stage");
        var biasTerm = bias.Sum(kv => NasiOnnx.Engine.Metrics.NasiScorer.SumOfSquares(kv.Value.Data));
        Assert.That(biasTerm, Is.GreaterThan(0));
        Assert.That(c.Score, Is.EqualTo(a.Score + biasTerm).Within(1e-5 * c.Score));
        Assert.That(ParameterSet.Of(Nb201Network.Build(onZero, options)).Count, Is.GreaterThan(ParameterSet.Of(Nb201Network.Build(plain, options)).Count));
    }

    /// <summary>NATS-Bench's string → our form, by its grammar: sum := term ('+' term)*, term := '#' | '0' | '(' sum ')@op'.</summary>
    private static string NatsNormalized(string text)
    {
        var pos = 0;
        List<string> Sum()
        {
            var terms = new List<string>(Term());
            while (pos < text.Length && text[pos] == '+') { pos++; terms.AddRange(Term()); }
            return terms;
        }
        List<string> Term()
        {
            switch (text[pos])
            {
                case '#': pos++; return [];
                case '0': pos++; return ["0"];
                case '(':
                    pos++;
                    var inner = Sum();
                    Assert.That(text[pos..].StartsWith(")@", StringComparison.Ordinal), $"'{text}' at {pos}");
                    pos += 2;
                    var start = pos;
                    while (pos < text.Length && text[pos] != '+' && text[pos] != ')') pos++;
                    var op = text[start..pos];
                    inner.Sort(StringComparer.Ordinal);
                    return inner.Count == 0 ? [] : [$"({string.Join('+', inner)})@{op}"];
                default:
                    throw new FormatException($"'{text}': unexpected '{text[pos]}' at {pos}");
            }
        }
        var sum = Sum();
        Assert.That(pos, Is.EqualTo(text.Length), $"'{text}' not read to its end");
        sum.Sort(StringComparer.Ordinal);
        return sum.Count == 0 ? "#" : string.Join('+', sum);
    }
}
