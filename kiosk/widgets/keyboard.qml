import QtQuick
import QtQuick.VirtualKeyboard
import QtQuick.VirtualKeyboard.Settings

// The on-screen keyboard, embedded in the kiosk window by kiosk.widgets.Keyboard.
// The panel's height follows its width, so it is narrowed to fit the strip it is given.
//
// English (UK) only: with one language there is no language key, so no popup of every
// language with rows too small to tap, and no choice left behind for the next visitor.
// No hide key either: the kiosk shows and hides the keyboard itself when a text field
// gains or loses focus, so the key would do nothing anyone could see. (Qt offers a key it
// does not show from a ⚙ on the comma key, held down: that goes too.)
Rectangle {
    id: root
    color: "#1d2a36"

    // What the keyboard offers now (read by the tests).
    readonly property var activeLocales: VirtualKeyboardSettings.activeLocales
    readonly property string locale: panel.keyboard.locale

    Binding {
        target: VirtualKeyboardSettings
        property: "locale"
        value: "en_GB"
    }
    Binding {
        target: VirtualKeyboardSettings
        property: "activeLocales"
        value: ["en_GB"]
    }
    Binding {
        target: VirtualKeyboardSettings
        property: "visibleFunctionKeys"
        value: QtVirtualKeyboard.KeyboardFunctionKeys.None
    }

    // Letters in lower case again, no key held and nothing popped up: as the next visitor
    // expects it (kiosk.widgets.Keyboard.reset). The shift state is kept by the input
    // context's shift handler, which Qt's own shift key drives the same way.
    function reset() {
        const keyboard = panel.keyboard
        keyboard.keyboardInputArea.reset()
        keyboard.alternativeKeys.close()
        keyboard.symbolMode = false
        const shift = InputContext.priv.shiftHandler
        shift.capsLockActive = false
        shift.shiftActive = false
    }

    Connections {
        target: panel.keyboard.keyboardLayoutLoader
        function onItemChanged() { root.dropFunctionPopup(panel.keyboard.keyboardLayoutLoader.item) }
    }
    Component.onCompleted: dropFunctionPopup(panel.keyboard.keyboardLayoutLoader.item)

    // A key marked ⚙ opens Qt's popup of the keyboard functions without a key when held
    // down (Keyboard.qml checks for that mark); unmarked, it is an ordinary key.
    function dropFunctionPopup(item) {
        if (!item)
            return
        if (item.smallText === "\u2699") {
            item.smallText = ""
            item.smallTextVisible = false
        }
        for (let i = 0; i < item.children.length; i++)
            dropFunctionPopup(item.children[i])
    }

    InputPanel {
        id: panel
        objectName: "inputPanel"
        width: Math.min(parent.width, parent.height * 3.1)
        anchors.horizontalCenter: parent.horizontalCenter
        anchors.bottom: parent.bottom
    }
}
