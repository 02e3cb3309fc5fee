namespace NasiOnnx.Models.Nb201;

/// <summary>
/// An isomorphism class of NAS-Bench-201 cells (<see cref="Nb201Isomorphism"/>): cells that compute the same
/// function up to their random weights, so a score of one stands for all.
/// </summary>
/// <param name="CanonicalForm">The class's canonical form (<see cref="Nb201Isomorphism.CanonicalForm"/>).</param>
/// <param name="Representative">The member scored for the class: the one with the ordinally smallest cell string
/// in the whole space.</param>
/// <param name="Members">The class's cells (all of them, or those of a ranked subset), representative included
/// when it is one of them.</param>
public sealed record Nb201CellClass(string CanonicalForm, Nb201Cell Representative, IReadOnlyList<Nb201Cell> Members);
