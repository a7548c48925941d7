import QtQuick
import QtQuick.VirtualKeyboard

// The on-screen keyboard, embedded in the kiosk window by kiosk.widgets.Keyboard.
// The panel's height follows its width, so it is narrowed to fit the strip it is given.
Rectangle {
    color: "#1d2a36"
    InputPanel {
        width: Math.min(parent.width, parent.height * 3.1)
        anchors.horizontalCenter: parent.horizontalCenter
        anchors.bottom: parent.bottom
    }
}
