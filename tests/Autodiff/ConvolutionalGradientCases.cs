using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using Onnx;
using static NasiOnnx.Tests.Autodiff.CaseInput;

namespace NasiOnnx.Tests.Autodiff;

/// <summary>Rows of the gradient check table for the convolutional ops of issue 25 (ConvTranspose, instance and
/// group normalisation, Resize, depth/space rearrangements, Lp norms and pools), in their attribute variants.</summary>
public static class ConvolutionalGradientCases
{
    private static GradientCase Case(string name, string op, CaseInput[] inputs, params AttributeProto[] attributes) =>
        new(name, op, attributes, inputs);

    public static IEnumerable<GradientCase> All()
    {
        // ConvTranspose: X [2, C, s, s], W [C, M/g, k, k], B [M]
        CaseInput[] Ct(long c, long mPerGroup, long k, long size = 4, long m = -1, bool bias = true) =>
            bias ? [Var([2, c, size, size]), Var([c, mPerGroup, k, k]), Var([m < 0 ? mPerGroup : m])] : [Var([2, c, size, size]), Var([c, mPerGroup, k, k])];
        yield return Case("ConvTranspose 3x3", "ConvTranspose", Ct(3, 4, 3));
        yield return Case("ConvTranspose 3x3 pads 1", "ConvTranspose", Ct(3, 4, 3), Attr.Ints("pads", 1, 1, 1, 1));
        yield return Case("ConvTranspose 2x2 stride 2 (upsampling)", "ConvTranspose", Ct(3, 4, 2), Attr.Ints("strides", 2, 2));
        yield return Case("ConvTranspose 3x3 stride 2 pads 1 output_padding 1", "ConvTranspose", Ct(3, 4, 3),
            Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1), Attr.Ints("output_padding", 1, 1));
        yield return Case("ConvTranspose asymmetric pads dilation 2", "ConvTranspose", Ct(3, 4, 3), Attr.Ints("dilations", 2, 2), Attr.Ints("pads", 0, 1, 2, 1));
        yield return Case("ConvTranspose groups 2 stride 2", "ConvTranspose", Ct(4, 3, 3, m: 6), Attr.Int("group", 2), Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1));
        yield return Case("ConvTranspose depthwise", "ConvTranspose", Ct(4, 1, 3, m: 4), Attr.Int("group", 4), Attr.Ints("pads", 1, 1, 1, 1));
        yield return Case("ConvTranspose no bias stride 3", "ConvTranspose", Ct(3, 4, 3, bias: false), Attr.Ints("strides", 3, 2));
        yield return Case("ConvTranspose output_shape", "ConvTranspose", Ct(3, 4, 3), Attr.Ints("strides", 2, 2), Attr.Ints("output_shape", 8, 7));
        yield return Case("ConvTranspose auto_pad SAME_UPPER stride 2", "ConvTranspose", Ct(3, 4, 3), Attr.String("auto_pad", "SAME_UPPER"), Attr.Ints("strides", 2, 2));
        yield return Case("ConvTranspose auto_pad SAME_LOWER stride 2", "ConvTranspose", Ct(3, 4, 3), Attr.String("auto_pad", "SAME_LOWER"), Attr.Ints("strides", 2, 2));
        yield return Case("ConvTranspose auto_pad VALID", "ConvTranspose", Ct(3, 4, 2), Attr.String("auto_pad", "VALID"), Attr.Ints("strides", 2, 2));
        yield return Case("ConvTranspose 1-D stride 2 output_padding 1", "ConvTranspose", [Var([2, 3, 5]), Var([3, 4, 3]), Var([4])],
            Attr.Ints("strides", 2), Attr.Ints("pads", 1, 1), Attr.Ints("output_padding", 1));

        // Instance normalisation: statistics per sample and channel
        yield return Case("InstanceNormalization", "InstanceNormalization", [Var([2, 3, 4, 5]), Var([3]), Var([3])]);
        yield return Case("InstanceNormalization 1-D epsilon", "InstanceNormalization", [Var([3, 2, 6]), Var([2]), Var([2])], Attr.Float("epsilon", 1e-2f));

        // Resize: X [2, 3, 4, 5], roi absent, then scales or sizes; linear in X, so every mode's check is exact
        long[] x4 = [2, 3, 4, 5];
        CaseInput Scales(params float[] s) => Const([s.Length], (_, v) => s.CopyTo(v, 0));
        CaseInput[] ByScales(params float[] s) => [Var(x4), None, Scales(s)];
        CaseInput[] BySizes(params long[] s) => [Var(x4), None, None, Int64(s)];
        AttributeProto[] Modes(string mode, string transform, string? nearest = null) => nearest is null
            ? [Attr.String("mode", mode), Attr.String("coordinate_transformation_mode", transform)]
            : [Attr.String("mode", mode), Attr.String("coordinate_transformation_mode", transform), Attr.String("nearest_mode", nearest)];
        yield return Case("Resize nearest asymmetric floor x2", "Resize", ByScales(1, 1, 2, 2), Modes("nearest", "asymmetric", "floor"));
        yield return Case("Resize nearest (defaults) scales 2, 3", "Resize", ByScales(1, 1, 2, 3));
        yield return Case("Resize nearest half_pixel round_prefer_ceil sizes", "Resize", BySizes(2, 3, 7, 9), Modes("nearest", "half_pixel", "round_prefer_ceil"));
        yield return Case("Resize nearest half_pixel round_prefer_floor sizes", "Resize", BySizes(2, 3, 7, 9), Modes("nearest", "half_pixel", "round_prefer_floor"));
        yield return Case("Resize nearest align_corners ceil downsampling", "Resize", BySizes(2, 3, 3, 4), Modes("nearest", "align_corners", "ceil"));
        yield return Case("Resize nearest pytorch_half_pixel floor scales 0.5, 1.5", "Resize", ByScales(1, 1, 0.5f, 1.5f), Modes("nearest", "pytorch_half_pixel", "floor"));
        yield return Case("Resize nearest asymmetric round_prefer_floor scales 1.5", "Resize", ByScales(1, 1, 1.5f, 1.5f), Modes("nearest", "asymmetric", "round_prefer_floor"));
        yield return Case("Resize linear half_pixel x2", "Resize", ByScales(1, 1, 2, 2), Modes("linear", "half_pixel"));
        yield return Case("Resize linear asymmetric sizes", "Resize", BySizes(2, 3, 7, 8), Modes("linear", "asymmetric"));
        yield return Case("Resize linear align_corners x2", "Resize", ByScales(1, 1, 2, 2), Modes("linear", "align_corners"));
        yield return Case("Resize linear pytorch_half_pixel sizes down and up", "Resize", BySizes(2, 3, 3, 9), Modes("linear", "pytorch_half_pixel"));
        yield return Case("Resize linear pytorch_half_pixel to extent 1", "Resize", BySizes(2, 3, 1, 6), Modes("linear", "pytorch_half_pixel"));
        yield return Case("Resize linear half_pixel 3-D input", "Resize", [Var([2, 3, 5]), None, Scales(1, 1, 2.5f)], Modes("linear", "half_pixel"));

        // Depth and space rearrangements
        yield return Case("DepthToSpace DCR blocksize 2", "DepthToSpace", [Var([2, 8, 3, 2])], Attr.Int("blocksize", 2));
        yield return Case("DepthToSpace CRD blocksize 2", "DepthToSpace", [Var([2, 8, 3, 2])], Attr.Int("blocksize", 2), Attr.String("mode", "CRD"));
        yield return Case("DepthToSpace DCR blocksize 3", "DepthToSpace", [Var([1, 18, 2, 2])], Attr.Int("blocksize", 3));
        yield return Case("SpaceToDepth blocksize 2", "SpaceToDepth", [Var([2, 3, 4, 6])], Attr.Int("blocksize", 2));

        // Lp norms and pools (away from 0, where |x| has its kink). A pool's sums of |x|^p are large beside their
        // difference quotients: steps up to 0.04 (still short of the kink) and Richardson keep float32 round-off and
        // the h² term below the tolerance.
        var notAtZero = Sampling.AwayFrom(0);
        GradientCase Pool(string name, string op, CaseInput[] inputs, params AttributeProto[] attributes) =>
            new(name, op, attributes, inputs, Step: 0.04, Extrapolate: true);
        yield return Case("LpNormalization p 2 last axis", "LpNormalization", [Var([2, 3, 5], notAtZero)]);
        yield return Case("LpNormalization p 1 axis 1", "LpNormalization", [Var([2, 3, 5], notAtZero)], Attr.Int("p", 1), Attr.Int("axis", 1));
        yield return Case("LpNormalization p 2 axis 0", "LpNormalization", [Var([4, 3], notAtZero)], Attr.Int("axis", 0));
        yield return Pool("LpPool p 2 2x2 stride 2", "LpPool", [Var([2, 3, 6, 6], notAtZero)], Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2));
        // p = 1 is linear between sign changes: magnitudes of at least 0.5 allow a step of 0.4, far above round-off.
        Action<Rng, float[]> signed = (rng, v) => { for (var i = 0; i < v.Length; i++) v[i] = rng.NextSign() * (float)rng.Uniform(0.5, 2); };
        yield return new GradientCase("LpPool p 1 3x3 pads 1", "LpPool", [Attr.Ints("kernel_shape", 3, 3), Attr.Ints("pads", 1, 1, 1, 1), Attr.Int("p", 1)],
            [Var([2, 3, 5, 5], signed)], Step: 0.4);
        yield return Pool("LpPool p 3 3x2 stride 2 asymmetric pads", "LpPool", [Var([2, 3, 7, 6], notAtZero)], Attr.Ints("kernel_shape", 3, 2),
            Attr.Ints("strides", 2, 2), Attr.Ints("pads", 0, 1, 1, 0), Attr.Int("p", 3));
        yield return Pool("LpPool 1-D auto_pad SAME_UPPER", "LpPool", [Var([2, 3, 7], notAtZero)], Attr.Ints("kernel_shape", 3), Attr.Ints("strides", 2), Attr.String("auto_pad", "SAME_UPPER"));
        yield return Pool("GlobalLpPool p 2", "GlobalLpPool", [Var([2, 3, 4, 5], notAtZero)]);
        yield return new GradientCase("GlobalLpPool p 1", "GlobalLpPool", [Attr.Int("p", 1)], [Var([2, 3, 4, 5], signed)], Step: 0.4);
        yield return Pool("GlobalLpPool p 3 1-D", "GlobalLpPool", [Var([2, 3, 6], notAtZero)], Attr.Int("p", 3));
    }
}
