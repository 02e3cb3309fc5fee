using System.Text.Json;
using NasiOnnx.Engine.Data;
using NasiOnnx.Engine.Graphs;
using NasiOnnx.Engine.Init;
using NasiOnnx.Tests.Tools;

namespace NasiOnnx.Tests.Scoring;

/// <summary>Keras exports: an [N, H, W, C] input transposed to NCHW inside the graph, a fixed batch, a final Softmax.</summary>
public class ChannelsLastTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("nasi-nhwc").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    [Test]
    public void AKerasExportScoresAndItsRowReadsNhwc()
    {
        var keras = Path.Combine(_dir, "keras.onnx");
        ModelFile.Save(new ExportedModel { Batch = 1, ChannelsLast = true, Opset = 11, Final = ExportedModel.FinalOp.Softmax }.Build(), keras);
        var torch = Path.Combine(_dir, "torch.onnx");
        ModelFile.Save(new ExportedModel { Batch = 0 }.Build(), torch);

        // The same 4 samples in each layout.
        const int s = ExportedModel.Size;
        var nchw = new float[4 * 3 * s * s];
        new Rng(4).FillGaussian(nchw);
        var nhwc = new float[nchw.Length];
        for (var i = 0; i < 4; i++)
        for (var c = 0; c < 3; c++)
        for (var y = 0; y < s; y++)
        for (var x = 0; x < s; x++)
            nhwc[((i * s + y) * s + x) * 3 + c] = nchw[((i * 3 + c) * s + y) * s + x];
        NpyFile.WriteFloat32(Path.Combine(_dir, "nchw.npy"), nchw, 4, 3, s, s);
        NpyFile.WriteFloat32(Path.Combine(_dir, "nhwc.npy"), nhwc, 4, s, s, 3);

        var csv = Path.Combine(_dir, "keras.csv");
        var row = Cli.Run("score", keras, "--data", Path.Combine(_dir, "nhwc.npy"), "--out", csv);
        Assert.That(row.ExitCode, Is.EqualTo(0), row.Err);
        var r = Engine.Ranking.ResultLog.Read(csv).Rows.Single();
        Assert.That(r.InputShape, Is.EqualTo($"4x{s}x{s}x3 (NHWC)"));
        Assert.That(r.Route, Is.EqualTo("relaxed"));

        double S(Cli.Result c)
        {
            Assert.That(c.ExitCode, Is.EqualTo(0), c.Err);
            return JsonDocument.Parse(c.Out).RootElement.GetProperty("nasi").GetProperty("score").GetDouble();
        }
        var kerasScore = Cli.Run("score", keras, "--data", Path.Combine(_dir, "nhwc.npy"), "--json");
        Assert.That(JsonDocument.Parse(kerasScore.Out).RootElement.GetProperty("channelsLast").GetBoolean(), Is.True);
        var torchS = S(Cli.Run("score", torch, "--data", Path.Combine(_dir, "nchw.npy"), "--json"));
        Assert.That(S(kerasScore), Is.EqualTo(torchS).Within(1e-5 * torchS), "one network, two layouts, the same samples");
        Assert.That(r.Metric("nasi"), Is.EqualTo(torchS).Within(1e-5 * torchS));
    }

    [Test]
    public void NchwInputsAreNotTakenForChannelsLast()
    {
        var model = new ExportedModel { Batch = 0 }.Build();
        Assert.That(InputLayout.IsChannelsLast(model, "input", [4, 3, 8, 8]), Is.False);
        var keras = new ExportedModel { Batch = 0, ChannelsLast = true }.Build();
        Assert.That(InputLayout.IsChannelsLast(keras, "input_1", [4, 8, 8, 3]), Is.True);
    }

    [Test]
    public void CifarRecordsAreTransposedForAChannelsLastModel()
    {
        var record = new byte[3073];
        record[0] = 7;
        for (var p = 0; p < 3072; p++) record[1 + p] = (byte)(p % 251);
        var path = Path.Combine(_dir, "data_batch_1.bin");
        File.WriteAllBytes(path, record);
        var nchw = DataSpec.Open("cifar10:" + path, [3, 32, 32], 10, null, null, 0).Draw(1).Inputs;
        var nhwc = DataSpec.Open("cifar10:" + path, [32, 32, 3], 10, null, null, 0).Draw(1).Inputs;
        Assert.That(nhwc.Shape, Is.EqualTo(new long[] { 1, 32, 32, 3 }));
        for (var (c, y, x) = (0, 0, 0); c < 3; c++, y = (y + 5) % 32, x = (x + 11) % 32)
            Assert.That(nhwc.Data[(y * 32 + x) * 3 + c], Is.EqualTo(nchw.Data[(c * 32 + y) * 32 + x]));
    }
}
