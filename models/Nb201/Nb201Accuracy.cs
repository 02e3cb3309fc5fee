namespace NasiOnnx.Models.Nb201;

/// <summary>A cell's trained test accuracies (%) and their ranks among the <see cref="Of"/> cells of the truth table (1 = best).</summary>
public sealed record Nb201Accuracy(string Cell, double Cifar10, double Cifar100, double ImageNet16, int RankCifar10,
    int RankCifar100, int RankImageNet16, int Of);
