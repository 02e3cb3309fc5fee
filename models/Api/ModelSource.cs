using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Ranking;
using NasiOnnx.Models.Darts;
using NasiOnnx.Models.Nb201;
using Onnx;

namespace NasiOnnx.Models.Api;

/// <summary>
/// A model to score, and how to get it: a NAS-Bench-201 cell, a DARTS genotype, an .onnx file or its bytes, or an
/// ONNX model object. <see cref="Id"/> names it in results and errors.
/// </summary>
public sealed class ModelSource
{
    private readonly Func<ModelProto> _load;

    private ModelSource(string id, Func<ModelProto> load, IReadOnlyList<CandidateMember>? members = null)
    {
        Id = id;
        _load = load;
        Members = members ?? [];
    }

    public string Id { get; }

    /// <summary>Further ids this model is scored for (<see cref="Candidate.Members"/>): the other cells of its
    /// isomorphism class, for <see cref="Nb201Class"/>.</summary>
    public IReadOnlyList<CandidateMember> Members { get; }

    /// <summary>Builds or reads the model (a fresh object each time: callers may modify it).</summary>
    public ModelProto Load() => _load();

    public Candidate ToCandidate() => new(Id, _load) { Members = Members };

    public static ModelSource Nb201(Nb201Cell cell, Nb201NetworkOptions? options = null) =>
        new(cell.ToString(), () => Nb201Network.Build(cell, options ?? Nb201NetworkOptions.Default));

    /// <summary>
    /// The representative of an isomorphism class of NAS-Bench-201 cells, scored once for every member of
    /// <paramref name="cellClass"/>: each member's row carries the representative's metrics and its own parameter
    /// count (<see cref="Nb201Network.ParameterCount"/>).
    /// </summary>
    public static ModelSource Nb201Class(Nb201CellClass cellClass, Nb201NetworkOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cellClass);
        options ??= Nb201NetworkOptions.Default;
        var members = cellClass.Members.Select(c => new CandidateMember(c.ToString(), Nb201Network.ParameterCount(c, options))).ToList();
        var representative = cellClass.Representative;
        return new(representative.ToString(), () => Nb201Network.Build(representative, options), members);
    }

    /// <summary>A NAS-Bench-201 cell string (or "default").</summary>
    public static ModelSource Nb201(string cell, Nb201NetworkOptions? options = null) =>
        Nb201(cell == "default" ? Nb201Cell.Default : Nb201Cell.Parse(cell), options);

    public static ModelSource Darts(DartsGenotype genotype, DartsNetworkOptions? options = null) =>
        new(genotype.ToString(), () => DartsNetwork.BuildCifar(genotype, options ?? DartsNetworkOptions.Cifar10));

    /// <summary>A DARTS genotype string or a preset name ("darts-v2", "pc-darts", …).</summary>
    public static ModelSource Darts(string genotypeOrPreset, DartsNetworkOptions? options = null) =>
        Darts(DartsPresets.TryGet(genotypeOrPreset, out var preset) ? preset! : DartsGenotype.Parse(genotypeOrPreset), options);

    /// <summary>An .onnx file; its id, and the path its load errors name, is the full path.</summary>
    public static ModelSource File(string path)
    {
        var fullPath = Path.GetFullPath(path);
        return new(fullPath, () => ModelFile.Load(fullPath));
    }

    public static ModelSource Bytes(byte[] bytes, string name = "model bytes") => new(name, () => ModelFile.Parse(bytes, name));

    public static ModelSource Model(ModelProto model, string? name = null) =>
        new(name ?? model.Graph?.Name ?? "model", () => model.Clone());

    public override string ToString() => Id;
}
