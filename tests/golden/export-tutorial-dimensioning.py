"""tutorial-dimensioning: a Keras model exported by archplan from
specs/tutorial-dimensioning.json.

8 layers, 8,228 parameters, 1,179,292 MACs per image (archplan trace). build_model()
builds the network; main() trains it on CIFAR-10 with the spec's training settings
and evaluates it on the test images. Run this file with Python and Keras 3.
"""

import keras
from keras import layers

EPOCHS = 1
BATCH_SIZE = 32
VALIDATION_SPLIT = 0.0


def build_model():
    """The network as a chain: each layer takes the output of the one before."""
    return keras.Sequential(
        [
            keras.Input(shape=(32, 32, 3)),
            layers.Conv2D(16, 5, activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(8, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(4, 3, activation="relu"),
            layers.Flatten(),
            layers.Dense(50, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ],
        name="tutorial-dimensioning",
    )


def compile_model(model):
    """The optimizer, loss and metrics of the spec's training block."""
    model.compile(
        optimizer=keras.optimizers.RMSprop(),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )


def load_cifar10():
    """CIFAR-10, pixels scaled as in the spec, labels one-hot."""
    (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
    x_train = x_train.astype("float32") / 255
    x_test = x_test.astype("float32") / 255
    y_train = keras.utils.to_categorical(y_train, 10)
    y_test = keras.utils.to_categorical(y_test, 10)
    return (x_train, y_train), (x_test, y_test)


def main():
    """Train on CIFAR-10 as the spec says, then test."""
    (x_train, y_train), (x_test, y_test) = load_cifar10()
    model = build_model()
    model.summary()
    compile_model(model)
    model.fit(
        x_train,
        y_train,
        batch_size=BATCH_SIZE,
        epochs=EPOCHS,
        validation_split=VALIDATION_SPLIT,
    )
    loss, accuracy = model.evaluate(x_test, y_test)
    print(f"test loss {loss:.4f}, test accuracy {accuracy:.2%}")


if __name__ == "__main__":
    main()
