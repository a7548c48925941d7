"""Dropin tests."""
