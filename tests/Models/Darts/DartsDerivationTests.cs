using NasiOnnx.Engine;
using NasiOnnx.Models.Darts;

namespace NasiOnnx.Tests.Models.Darts;

public class DartsDerivationTests
{
    /// <summary>Weights that favour exactly the genotype's pairs: 0.9 on the listed op for the first pair of a node, 0.8 for the second.</summary>
    private static float[] WeightsFavouring(DartsCell cell)
    {
        var w = new float[14 * 8];
        Array.Fill(w, 0.01f);
        for (var node = 2; node < 6; node++)
            for (var k = 0; k < 2; k++)
            {
                var (op, input) = cell[node, k];
                w[DartsSupernet.EdgeIndex(node, input) * 8 + (int)op] = k == 0 ? 0.9f : 0.8f;
            }
        return w;
    }

    [TestCase("darts-v2")]
    [TestCase("p-darts")]
    [TestCase("pc-darts")]
    public void WeightsFavouringAGenotypeDeriveIt(string name)
    {
        var g = DartsPresets.Get(name);
        Assert.That(DartsDerivation.Derive(WeightsFavouring(g.Normal), WeightsFavouring(g.Reduce)), Is.EqualTo(g));
    }

    [Test]
    public void NoneIsIgnoredAndEdgesRankByTheirStrongestOtherOp()
    {
        var w = new float[14 * 8];
        // node 2: edge from s0 has a huge 'none' but a weak best op; edge from s1 is moderate: both kept (only two edges).
        Set(w, 2, 0, DartsOp.None, 5f);
        Set(w, 2, 0, DartsOp.AvgPool3x3, 0.1f);
        Set(w, 2, 1, DartsOp.SepConv5x5, 0.3f);
        // node 3: three edges; the one from state 2 has the strongest non-none op, then s0; s1's 'none' must not count.
        Set(w, 3, 0, DartsOp.DilConv3x3, 0.4f);
        Set(w, 3, 1, DartsOp.None, 9f);
        Set(w, 3, 1, DartsOp.MaxPool3x3, 0.2f);
        Set(w, 3, 2, DartsOp.SkipConnect, 0.6f);
        // node 4: all-equal rows: ties go to the lower input and the first op after 'none' (max_pool_3x3).
        // node 5: only the edge from state 4 stands out.
        Set(w, 5, 4, DartsOp.DilConv5x5, 1f);
        var cell = DartsDerivation.DeriveCell(w);
        Assert.That(cell.Edges, Is.EqualTo(new[]
        {
            new DartsEdge(DartsOp.SepConv5x5, 1), new DartsEdge(DartsOp.AvgPool3x3, 0),
            new DartsEdge(DartsOp.SkipConnect, 2), new DartsEdge(DartsOp.DilConv3x3, 0),
            new DartsEdge(DartsOp.MaxPool3x3, 0), new DartsEdge(DartsOp.MaxPool3x3, 1),
            new DartsEdge(DartsOp.DilConv5x5, 4), new DartsEdge(DartsOp.MaxPool3x3, 0),
        }));
        Assert.That(cell.Concat, Is.EqualTo(new[] { 2, 3, 4, 5 }));
    }

    [Test]
    public void BadWeightsAreReportedWithTheirPlace()
    {
        var ex = Assert.Throws<NasiException>(() => DartsDerivation.DeriveCell(new float[14 * 7]))!;
        Assert.That(ex.Message, Does.Contain("98 values, expected 112"));
        var w = new float[14 * 8];
        w[3 * 8 + 5] = float.NaN;
        ex = Assert.Throws<NasiException>(() => DartsDerivation.DeriveCell(w))!;
        Assert.That(ex.Message, Does.Contain("[3, 5] (sep_conv_5x5) is NaN"));
    }

    private static void Set(float[] w, int node, int input, DartsOp op, float value) =>
        w[DartsSupernet.EdgeIndex(node, input) * 8 + (int)op] = value;
}
