"""torchvision's classification models, as callables ``archplan import`` reads (``weights=None``:
nothing is downloaded). ``archplan import examples/torchvision_models.py:resnet18 --input-shape
224,224,3`` runs this file: it builds the model, archplan reads its graph."""

from torchvision import models


def resnet18():
    return models.resnet18(weights=None)


def mobilenet_v3_small():
    return models.mobilenet_v3_small(weights=None)


def googlenet():
    """Without the auxiliary classifiers, which only run while training."""
    return models.googlenet(weights=None, aux_logits=False, init_weights=False)


def shufflenet_v2_x1_0():
    return models.shufflenet_v2_x1_0(weights=None)
