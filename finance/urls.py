"""Finance URLs outside the admin and the API (included under /finance/)."""

from django.urls import path

from finance.views import ReceiptDownloadView

urlpatterns = [
    path("receipts/<uuid:pk>/", ReceiptDownloadView.as_view(), name="receipt-download"),
]
