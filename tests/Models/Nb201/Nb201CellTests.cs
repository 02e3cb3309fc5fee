using NasiOnnx.Engine;
using NasiOnnx.Models.Nb201;

namespace NasiOnnx.Tests.Models.Nb201;

public class Nb201CellTests
{
    private const string Example = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|";

    [Test]
    public void EveryCellOfTheSpaceRoundTripsThroughItsString()
    {
        var all = Nb201Cell.All().ToList();
        Assert.That(all, Has.Count.EqualTo(Nb201Cell.SpaceSize));
        Assert.That(all.Distinct().Count(), Is.EqualTo(Nb201Cell.SpaceSize), "All() repeats a cell");
        foreach (var cell in all)
        {
            var text = cell.ToString();
            var parsed = Nb201Cell.Parse(text);
            if (parsed != cell || parsed.ToString() != text) Assert.Fail($"'{text}' does not round-trip");
        }
    }

    [Test]
    public void ThePublishedExampleParsesEdgeByEdge()
    {
        var cell = Nb201Cell.Parse(Example);
        Assert.That(cell.ToString(), Is.EqualTo(Example));
        Assert.That(cell[1, 0], Is.EqualTo(Nb201Op.NorConv3x3));
        Assert.That(cell[2, 0], Is.EqualTo(Nb201Op.NorConv3x3));
        Assert.That(cell[2, 1], Is.EqualTo(Nb201Op.AvgPool3x3));
        Assert.That(cell[3, 0], Is.EqualTo(Nb201Op.SkipConnect));
        Assert.That(cell[3, 1], Is.EqualTo(Nb201Op.NorConv3x3));
        Assert.That(cell[3, 2], Is.EqualTo(Nb201Op.SkipConnect));
        Assert.That(cell.Edges.Select(e => (e.To, e.From)),
            Is.EqualTo(new[] { (1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2) }));
    }

    [Test]
    public void AllEnumeratesInTheDocumentedOdometerOrder()
    {
        var all = Nb201Cell.All().ToList();
        Assert.That(all[0], Is.EqualTo(Nb201Cell.Uniform(Nb201Op.None)));
        Assert.That(all[1], Is.EqualTo(Nb201Cell.Uniform(Nb201Op.None).With(3, 2, Nb201Op.SkipConnect)));
        Assert.That(all[5], Is.EqualTo(Nb201Cell.Uniform(Nb201Op.None).With(3, 1, Nb201Op.SkipConnect)));
        Assert.That(all[3125], Is.EqualTo(Nb201Cell.Uniform(Nb201Op.None).With(1, 0, Nb201Op.SkipConnect)));
        Assert.That(all[^1], Is.EqualTo(Nb201Cell.Uniform(Nb201Op.AvgPool3x3)));
    }

    [Test]
    public void CellsAreEqualByOpsAndWithLeavesTheOriginalAlone()
    {
        var a = Nb201Cell.Parse(Example);
        var b = Nb201Cell.Parse(Example);
        Assert.That(a, Is.EqualTo(b));
        Assert.That(a == b && a.GetHashCode() == b.GetHashCode(), Is.True);
        var c = a.With(3, 2, Nb201Op.None);
        Assert.That(c, Is.Not.EqualTo(a));
        Assert.That(a.ToString(), Is.EqualTo(Example));
        Assert.That(c.ToString(), Does.EndWith("|nor_conv_3x3~1|none~2|"));
    }

    [TestCase(0, 0)]
    [TestCase(1, 1)]
    [TestCase(2, 3)]
    [TestCase(4, 0)]
    [TestCase(3, -1)]
    public void TheIndexerRejectsNonEdges(int to, int from) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = Nb201Cell.Default[to, from]);

    [Test]
    public void TheConstructorWantsSixKnownOps()
    {
        Assert.Throws<ArgumentException>(() => _ = new Nb201Cell([Nb201Op.None]));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new Nb201Cell(Enumerable.Repeat((Nb201Op)7, 6).ToArray()));
    }

    [TestCase("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", false)]
    [TestCase("|skip_connect~0|+|none~0|skip_connect~1|+|none~0|none~1|skip_connect~2|", true)]
    [TestCase("|none~0|+|none~0|none~1|+|avg_pool_3x3~0|none~1|none~2|", true)]
    [TestCase("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|none~0|none~1|none~2|", false)]
    [TestCase("|none~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|none~0|skip_connect~1|none~2|", false)]
    [TestCase("|none~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|none~0|skip_connect~1|skip_connect~2|", true)]
    public void ConnectedMeansAPathFromInputToOutputWithoutNone(string text, bool connected) =>
        Assert.That(Nb201Cell.Parse(text).IsConnected, Is.EqualTo(connected));

    [Test]
    public void ConnectivityAgreesWithPathEnumerationOnEveryCell()
    {
        // The four input→output paths of the cell, checked independently of the reachability code.
        (int To, int From)[][] paths =
        [
            [(3, 0)],
            [(1, 0), (3, 1)],
            [(2, 0), (3, 2)],
            [(1, 0), (2, 1), (3, 2)],
        ];
        var disconnected = 0;
        foreach (var cell in Nb201Cell.All())
        {
            var expected = paths.Any(p => p.All(e => cell[e.To, e.From] != Nb201Op.None));
            if (cell.IsConnected != expected) Assert.Fail($"IsConnected wrong for {cell}");
            if (!expected) disconnected++;
        }
        // Counted by a separate Python enumeration of the same four paths when this test was written.
        Assert.That(disconnected, Is.EqualTo(341));
    }

    [Test]
    public void DisconnectedCellsAreExactlyTheSampleCellsAtChanceAccuracy()
    {
        foreach (var row in Nb201Sample.Rows)
        {
            var cell = Nb201Cell.Parse(row.ArchStr);
            Assert.That(cell.ToString(), Is.EqualTo(row.ArchStr));
            var atChance = Math.Abs(row.Cifar10Test - 10.0) < 0.5;
            Assert.That(!cell.IsConnected, Is.EqualTo(atChance), $"index {row.Index} {row.ArchStr}: {row.Cifar10Test} %");
        }
    }

    private const string Valid = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|";

    private static IEnumerable<TestCaseData> Malformed()
    {
        TestCaseData Case(string kind, string text, int position, string problem) =>
            new TestCaseData(text, position, problem).SetName($"Malformed_{kind}");

        yield return Case("Empty", "", 0, "the string is empty");
        yield return Case("UnknownOp", "|none~0|+|none~0|conv_3x3~1|+|none~0|none~1|none~2|", 17,
            "unknown op 'conv_3x3' (expected one of none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3)");
        yield return Case("OpInWrongCase", "|NONE~0|+|none~0|none~1|+|none~0|none~1|none~2|", 1, "unknown op 'NONE'");
        yield return Case("TooFewNodes", "|none~0|+|none~0|none~1|", 24, "only 2 node groups, expected 3 (nodes 1 to 3)");
        yield return Case("TooManyNodes", Valid + "+|none~0|none~1|none~2|none~3|", 48,
            "4 node groups, expected 3 (nodes 1 to 3; node 0 is the cell input)");
        yield return Case("TooFewEdgesInGroup", "|none~0|+|none~0|+|none~0|none~1|none~2|", 9,
            "node 2 lists 1 edge, expected 2 (one from each earlier node)");
        yield return Case("EmptyGroup", "|none~0|+|+|none~0|none~1|none~2|", 10, "'+' inside a group: groups are joined by '|+|'");
        yield return Case("EdgeFromLaterNode", "|none~0|+|none~0|none~3|+|none~0|none~1|none~2|", 17,
            "edge into node 2 comes from later node 3");
        yield return Case("EdgeFromItself", "|none~1|+|none~0|none~1|+|none~0|none~1|none~2|", 1,
            "edge into node 1 comes from node 1 itself");
        yield return Case("DuplicatedEdge", "|none~0|+|none~0|none~0|+|none~0|none~1|none~2|", 17,
            "edge from node 0 into node 2 appears twice");
        yield return Case("EdgesOutOfOrder", "|none~0|+|none~1|none~0|+|none~0|none~1|none~2|", 10,
            "node 2's edges must be listed by source node (0 to 1); node 1 comes in place 0");
        yield return Case("MissingTilde", "|none~0|+|none0|none~1|+|none~0|none~1|none~2|", 10,
            "edge 'none0' lacks '~' between the op and its source node");
        yield return Case("SourceNotANumber", "|none~x|+|none~0|none~1|+|none~0|none~1|none~2|", 6,
            "source node 'x' in edge 'none~x' is not a node number");
        yield return Case("SourceWithLeadingZero", "|none~00|+|none~0|none~1|+|none~0|none~1|none~2|", 6,
            "source node '00' in edge 'none~00' is not a node number");
        yield return Case("SourceMissing", "|none~|+|none~0|none~1|+|none~0|none~1|none~2|", 6,
            "source node '' in edge 'none~' is not a node number");
        yield return Case("LeadingSpace", " " + Valid, 0, "whitespace (U+0020) is not allowed");
        yield return Case("TrailingNewline", Valid + "\n", 47, "whitespace (U+000A) is not allowed");
        yield return Case("SpaceInside", "|none~0| +|none~0|none~1|+|none~0|none~1|none~2|", 8, "whitespace (U+0020) is not allowed");
        yield return Case("StrayCharacter", Valid + ",", 47, "unexpected character ','");
        yield return Case("MissingOpeningBar", "none~0|+|none~0|none~1|+|none~0|none~1|none~2|", 0,
            "expected '|' to open node 1's group, found 'n'");
        yield return Case("StrayTextBetweenGroups", "|none~0|+x|none~0|none~1|+|none~0|none~1|none~2|", 9,
            "expected '|' to open node 2's group, found 'x'");
        yield return Case("MissingClosingBar", Valid[..^1], 40, "edge 'none~2' is not closed by '|'");
        yield return Case("EmptyEdge", "|none~0||+|none~0|none~1|+|none~0|none~1|none~2|", 8, "empty edge between two '|'");
        yield return Case("TrailingPlus", Valid + "+", 48, "the string ends after '+': node 4's group is missing");
    }

    [TestCaseSource(nameof(Malformed))]
    public void MalformedStringsAreRejectedWithTheProblemAndItsPosition(string text, int position, string problem)
    {
        var ex = Assert.Throws<Nb201CellFormatException>(() => Nb201Cell.Parse(text))!;
        Assert.That(ex, Is.InstanceOf<NasiException>());
        Assert.That(ex.Problem, Does.StartWith(problem));
        Assert.That(ex.Position, Is.EqualTo(position));
        Assert.That(ex.Text, Is.EqualTo(text));
        Assert.That(ex.Message, Is.EqualTo($"Invalid NAS-Bench-201 cell \"{text}\": {ex.Problem} (at position {position})."));

        Assert.That(Nb201Cell.TryParse(text, out var cell, out var error), Is.False);
        Assert.That(cell, Is.Null);
        Assert.That(error, Is.EqualTo(ex.Message));
    }

    [Test]
    public void TryParseAcceptsTheValidAndSaysNothing()
    {
        Assert.That(Nb201Cell.TryParse(Example, out var cell, out var error), Is.True);
        Assert.That(cell!.ToString(), Is.EqualTo(Example));
        Assert.That(error, Is.Empty);
        Assert.That(Nb201Cell.TryParse(null, out _, out error), Is.False);
        Assert.That(error, Does.Contain("no string"));
    }
}
