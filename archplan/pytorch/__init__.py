"""The only code that imports torch: PyTorch models read into specs, and measured as PyTorch
itself reports them (output shapes from forward hooks, parameters and buffers by ``numel()``).

Nothing else in archplan imports torch: ``export --format torch`` writes its script as text
(:mod:`archplan.interop.torch_code`), and this package is loaded only by ``import`` of a PyTorch
model and by the tests that build exported scripts.
"""
