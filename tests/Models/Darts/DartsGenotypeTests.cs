using NasiOnnx.Engine;
using NasiOnnx.Models.Darts;

namespace NasiOnnx.Tests.Models.Darts;

public class DartsGenotypeTests
{
    private const string V2 =
        "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], " +
        "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])";

    [Test]
    public void CanonicalStringRoundTripsUnchanged()
    {
        var g = DartsGenotype.Parse(V2);
        Assert.That(g.ToString(), Is.EqualTo(V2));
        Assert.That(g, Is.EqualTo(DartsPresets.DartsV2));
        Assert.That(g.Normal[5, 1], Is.EqualTo(new DartsEdge(DartsOp.DilConv3x3, 2)));
        Assert.That(g.Reduce[3, 0], Is.EqualTo(new DartsEdge(DartsOp.SkipConnect, 2)));
    }

    public static IEnumerable<string> PresetNames => DartsPresets.ByName.Keys;

    [TestCaseSource(nameof(PresetNames))]
    public void EveryPresetRoundTripsThroughItsString(string name)
    {
        var preset = DartsPresets.ByName[name];
        var again = DartsGenotype.Parse(preset.ToString());
        Assert.That(again, Is.EqualTo(preset));
        Assert.That(again.GetHashCode(), Is.EqualTo(preset.GetHashCode()));
        Assert.That(again.ToString(), Is.EqualTo(preset.ToString()));
    }

    [Test]
    public void AcceptsRangeConcatsDoubleQuotesNewlinesTrailingCommasAndAnyFieldOrder()
    {
        const string text = """
            Genotype(
                reduce_concat=range(2, 6),
                normal=[
                    ("sep_conv_3x3", 0), ("sep_conv_3x3", 1),
                    ("sep_conv_3x3", 0), ("sep_conv_3x3", 1),
                    ("sep_conv_3x3", 1), ('skip_connect', 0),
                    ("skip_connect",0),("dil_conv_3x3",2),
                ],
                normal_concat = range(2,6),
                reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1),
                        ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)],
            )
            """;
        Assert.That(DartsGenotype.Parse(text), Is.EqualTo(DartsPresets.DartsV2));
    }

    [Test]
    public void ConcatListIsKeptAsGiven()
    {
        var text = V2.Replace("normal_concat=[2, 3, 4, 5]", "normal_concat=[5, 2]");
        var g = DartsGenotype.Parse(text);
        Assert.That(g.Normal.Concat, Is.EqualTo(new[] { 5, 2 }));
        Assert.That(g.ToString(), Is.EqualTo(text));
        Assert.That(g, Is.Not.EqualTo(DartsPresets.DartsV2));
    }

    // Each case: the text to put in place of V2's first pair or field, what the message must say, and the offending token.
    [TestCase("('sep_conv_7x7', 0)", "unknown op 'sep_conv_7x7'", "'sep_conv_7x7'")]
    [TestCase("('none', 0)", "op 'none' in pair 0 (node 2)", "('none'")]
    [TestCase("('sep_conv_3x3', 2)", "pair 0 (node 2) takes input 2", "('sep_conv_3x3', 2)")]
    [TestCase("('sep_conv_3x3', -1)", "takes input -1", "('sep_conv_3x3', -1)")]
    [TestCase("('sep_conv_3x3' 0)", "expected ',', found '0'", "0)")]
    [TestCase("('sep_conv_3x3', x)", "expected an input index (an integer), found 'x'", "x)")]
    [TestCase("(sep_conv_3x3, 0)", "expected a quoted op name, found 'sep_conv_3x3'", "sep_conv_3x3, 0)")]
    public void BadFirstPairIsNamedWithItsPosition(string pair, string problem, string at)
    {
        var text = V2.Replace("('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0)", pair + ", ('sep_conv_3x3', 1), ('sep_conv_3x3', 0)");
        var ex = Assert.Throws<DartsGenotypeFormatException>(() => DartsGenotype.Parse(text))!;
        Assert.That(ex.Problem, Does.Contain(problem));
        Assert.That(ex.Position, Is.EqualTo(text.IndexOf(at, StringComparison.Ordinal)), ex.Message);
        Assert.That(ex.Message, Does.Contain($"at position {ex.Position}"));
        Assert.That(ex, Is.InstanceOf<NasiException>());
        Assert.That(ex.Message, Does.Not.Contain("\n"));
    }

    [Test]
    public void InputFromALaterNodeIsRefused()
    {
        // node 3 (pairs 2, 3) may use states 0..2; state 3 is itself
        var text = V2.Replace("('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0)",
                              "('sep_conv_3x3', 0), ('sep_conv_3x3', 3), ('sep_conv_3x3', 1), ('skip_connect', 0)");
        var ex = Assert.Throws<DartsGenotypeFormatException>(() => DartsGenotype.Parse(text))!;
        Assert.That(ex.Problem, Is.EqualTo("normal: pair 3 (node 3) takes input 3, which is node 3 itself or a later one: node 3 can use inputs 0 to 2"));
        Assert.That(ex.Position, Is.EqualTo(text.IndexOf("('sep_conv_3x3', 3)", StringComparison.Ordinal)));
    }

    [Test]
    public void WrongPairCountsAreRefused()
    {
        var seven = V2.Replace("('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat", "('skip_connect', 0)], normal_concat");
        var ex = Assert.Throws<DartsGenotypeFormatException>(() => DartsGenotype.Parse(seven))!;
        Assert.That(ex.Problem, Is.EqualTo("normal: 7 (op, input) pairs, expected 8 (2 for each of 4 nodes)"));
        Assert.That(seven[ex.Position], Is.EqualTo(']'));

        var nine = V2.Replace("('max_pool_3x3', 1)], reduce_concat", "('max_pool_3x3', 1), ('skip_connect', 4)], reduce_concat");
        ex = Assert.Throws<DartsGenotypeFormatException>(() => DartsGenotype.Parse(nine))!;
        Assert.That(ex.Problem, Does.StartWith("reduce: 9 (op, input) pairs"));
        Assert.That(ex.Position, Is.EqualTo(nine.IndexOf("('skip_connect', 4)", StringComparison.Ordinal)));
    }

    [TestCase("normal_concat=[2, 3, 4, 6]", "normal_concat: concat state 6 is out of range 0 to 5", "6]")]
    [TestCase("normal_concat=[2, 3, 3]", "normal_concat: concat state 3 appears twice", "3]")]
    [TestCase("normal_concat=[]", "normal_concat: the concat list is empty", "[]")]
    [TestCase("normal_concat=range(2, 2)", "range(2, 2) is empty", "range(2, 2)")]
    [TestCase("normal_concat=range(2, 7)", "concat state 6 is out of range", "7)")]
    public void BadConcatsAreRefused(string concat, string problem, string at)
    {
        var text = V2.Replace("normal_concat=[2, 3, 4, 5]", concat);
        var ex = Assert.Throws<DartsGenotypeFormatException>(() => DartsGenotype.Parse(text))!;
        Assert.That(ex.Problem, Does.Contain(problem));
        Assert.That(ex.Position, Is.EqualTo(text.IndexOf(at, text.IndexOf("normal_concat", StringComparison.Ordinal), StringComparison.Ordinal)));
    }

    [TestCase("", 0, "the string is empty")]
    [TestCase("Genotype[", 8, "expected '(', found '['")]
    [TestCase("genotype(normal=[])", 0, "expected 'Genotype(', found 'genotype'")]
    [TestCase("Genotype(normal=[], normal=[])", 20, "field 'normal' is given twice")]
    [TestCase("Genotype(normals=[])", 9, "unknown field 'normals' (expected normal, normal_concat, reduce, reduce_concat)")]
    [TestCase("Genotype(normal_concat=[2], reduce_concat=[2], reduce=[])", 56, "field 'normal' is missing")]
    [TestCase("Genotype(normal=[('skip_connect, 0)])", 18, "string opened by ' is not closed")]
    [TestCase("Genotype(normal=[]) x", 20, "unexpected 'x' after the closing ')'")]
    [TestCase("Genotype(normal=[]", 18, "expected ',', found the end of the string")]
    [TestCase("Genotype(normal=[]; )", 18, "unexpected character ';'")]
    public void MalformedSyntaxIsNamedWithItsPosition(string text, int position, string problem)
    {
        var ex = Assert.Throws<DartsGenotypeFormatException>(() => DartsGenotype.Parse(text))!;
        Assert.That(ex.Problem, Is.EqualTo(problem));
        Assert.That(ex.Position, Is.EqualTo(position));
    }

    [Test]
    public void TryParseReportsWithoutThrowing()
    {
        Assert.That(DartsGenotype.TryParse(V2, out var g, out var error), Is.True);
        Assert.That(g, Is.EqualTo(DartsPresets.DartsV2));
        Assert.That(error, Is.Empty);

        Assert.That(DartsGenotype.TryParse(V2.Replace("dil_conv_3x3", "dil_conv_7x7"), out g, out error), Is.False);
        Assert.That(g, Is.Null);
        Assert.That(error, Does.StartWith("Invalid DARTS genotype: unknown op 'dil_conv_7x7'"));
        Assert.That(error, Does.Contain("('dil_conv_7x7', 2)"));

        Assert.That(DartsGenotype.TryParse(null, out g, out error), Is.False);
        Assert.That(error, Is.Not.Empty);
    }

    [Test]
    public void CellConstructorValidatesLikeTheParser()
    {
        var edges = DartsPresets.DartsV2.Normal.Edges.ToArray();
        edges[4] = new DartsEdge(DartsOp.None, 0);
        var ex = Assert.Throws<ArgumentException>(() => _ = new DartsCell(edges))!;
        Assert.That(ex.Message, Does.Contain("op 'none' in pair 4 (node 4)"));
        Assert.Throws<ArgumentException>(() => _ = new DartsCell(edges[..7]));
        Assert.Throws<ArgumentException>(() => _ = new DartsCell(DartsPresets.DartsV2.Normal.Edges, [2, 9]));
        Assert.That(new DartsCell(DartsPresets.DartsV2.Normal.Edges), Is.EqualTo(DartsPresets.DartsV2.Normal));
        // immutable: the lists handed out cannot be cast back to arrays and edited
        Assert.That(DartsPresets.DartsV2.Normal.Edges, Is.Not.InstanceOf<DartsEdge[]>());
        Assert.That(DartsPresets.DartsV2.Normal.Concat, Is.Not.InstanceOf<int[]>());
    }

    [Test]
    public void OpTableHoldsTheVerbatimNamesInPrimitivesOrder()
    {
        Assert.That(DartsOpNames.All, Is.EqualTo(new[]
        {
            "none", "max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5",
        }));
        foreach (var op in Enum.GetValues<DartsOp>())
        {
            Assert.That(DartsOpNames.TryParse(op.Name(), out var back), Is.True);
            Assert.That(back, Is.EqualTo(op));
        }
        Assert.That(DartsOpNames.TryParse("Sep_Conv_3x3", out _), Is.False);
    }
}
