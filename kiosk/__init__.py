"""The touchscreen kiosk."""
