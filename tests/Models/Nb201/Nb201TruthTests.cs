using NasiOnnx.Engine;
using NasiOnnx.Models.Nb201;

namespace NasiOnnx.Tests.Models.Nb201;

public class Nb201TruthTests
{
    private const string A = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|";
    private const string B = "|nor_conv_1x1~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|";
    private const string C = "|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|";
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("nasi-truth").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    private string Table(params string[] rows)
    {
        var path = Path.Combine(_dir, "truth.csv");
        File.WriteAllLines(path, ["index,arch_str,params,cifar10_test,cifar100_test,imagenet16_120_test", .. rows]);
        return path;
    }

    [Test]
    public void LookupGivesAccuraciesAndRanksWithTiesSharingTheBetterRank()
    {
        var truth = Nb201Truth.Load(Table($"0,{A},1,94.3,73.5,46.3", $"1,{B},1,90.0,73.5,40.0", $"2,{C},1,50.0,10.0,47.0"));
        var a = truth.Lookup(A);
        Assert.That((a.Cifar10, a.Cifar100, a.ImageNet16), Is.EqualTo((94.3, 73.5, 46.3)));
        Assert.That((a.RankCifar10, a.RankCifar100, a.RankImageNet16, a.Of), Is.EqualTo((1, 1, 2, 3)));
        var b = truth.Lookup(B);
        Assert.That((b.RankCifar10, b.RankCifar100, b.RankImageNet16), Is.EqualTo((2, 1, 3)), "B ties A on CIFAR-100");
        Assert.That(truth.Lookup(C).RankCifar10, Is.EqualTo(3));
    }

    [Test]
    public void LookupTakesTheCellInAnyEquivalentSpellingButNotAMalformedOrUnknownOne()
    {
        var truth = Nb201Truth.Load(Table($"0,{A},1,94.3,73.5,46.3"));
        Assert.That(() => truth.Lookup(C), Throws.InstanceOf<NasiException>()
            .With.Message.Contains("avg_pool_3x3~0").And.Message.Contains("is not in").And.Message.Contains("truth.csv"));
        Assert.That(() => truth.Lookup("|conv~0|+|"), Throws.InstanceOf<Nb201CellFormatException>().With.Message.Contains("|conv~0|+|"));
    }

    [Test]
    public void AMalformedTableNamesTheLineAndTheProblem()
    {
        Assert.That(() => Nb201Truth.Load(Table($"0,{A},1,94.3,73.5,46.3", $"1,{B},1,ninety,73.5,40.0")),
            Throws.InstanceOf<NasiException>().With.Message.Contains("line 3").And.Message.Contains("cifar10_test 'ninety'"));
        Assert.That(() => Nb201Truth.Load(Table($"0,|bogus~0|,1,1,1,1")), Throws.InstanceOf<NasiException>().With.Message.Contains("line 2"));
        Assert.That(() => Nb201Truth.Load(Table($"0,{A},1,1,1,1", $"1,{A},1,2,2,2")), Throws.InstanceOf<NasiException>().With.Message.Contains("listed twice"));
        File.WriteAllText(Path.Combine(_dir, "other.csv"), "arch_str,accuracy\n" + A + ",1\n");
        Assert.That(() => Nb201Truth.Load(Path.Combine(_dir, "other.csv")), Throws.InstanceOf<NasiException>().With.Message.Contains("cifar10_test"));
    }
}
