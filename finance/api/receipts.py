"""Receipt files of transactions: multipart upload, list, download link, delete."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers
from rest_framework.parsers import FormParser, MultiPartParser

from finance.models import Receipt, Transaction
from finance.receipts import download_url, save_receipt
from organizers.api.base import EventScopedViewSet, ModelCleanSerializer, ScopedRelatedField


class ReceiptFilter(django_filters.FilterSet):
    event = django_filters.UUIDFilter(field_name="event_id")
    transaction = django_filters.UUIDFilter(field_name="transaction_id")

    class Meta:
        model = Receipt
        fields = ["event", "transaction"]


class ReceiptSerializer(ModelCleanSerializer):
    transaction = ScopedRelatedField(queryset=Transaction.objects.all())
    file = serializers.FileField(
        write_only=True, help_text=_("A PDF, JPEG or PNG file (multipart upload), at most RECEIPT_MAX_MB.")
    )
    download_url = serializers.SerializerMethodField()
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True, allow_null=True)

    class Meta:
        model = Receipt
        fields = [
            "id",
            "event",
            "transaction",
            "file",
            "original_name",
            "content_type",
            "size",
            "download_url",
            "uploaded_by",
            "uploaded_at",
        ]
        read_only_fields = ["event", "original_name", "content_type", "size", "uploaded_at"]

    def get_download_url(self, receipt: Receipt) -> str:
        return download_url(receipt, self.context.get("request"))

    def validate_transaction(self, transaction: Transaction) -> Transaction:
        # Seeing the transaction (viewer) is not enough: adding a receipt needs the role the rules
        # name in *its* event (the view only knew the user may add in some event).
        if not self.context["request"].user.has_perm(Receipt.get_perm("add"), transaction):
            raise exceptions.PermissionDenied(_("Your role in this event does not allow this."))
        return transaction

    def create(self, validated_data: dict) -> Receipt:
        receipt = Receipt(
            transaction=validated_data["transaction"],
            file=validated_data["file"],
            uploaded_by=validated_data.get("uploaded_by"),
        )
        receipt.clean()  # names, types and sizes the file, as validate() did on a copy
        save_receipt(receipt)
        return receipt


class ReceiptViewSet(EventScopedViewSet):
    """Receipts cannot be edited: delete one (treasurers) and upload the right file instead."""

    model = Receipt
    select_related = ("event", "uploaded_by")
    serializer_class = ReceiptSerializer
    filterset_class = ReceiptFilter
    parser_classes = [MultiPartParser, FormParser]
    http_method_names = ["get", "post", "delete", "head", "options"]
    search_fields = ["original_name"]
    ordering_fields = ["uploaded_at", "size", "original_name"]
    ordering = ["uploaded_at"]

    def perform_create(self, serializer: serializers.BaseSerializer[Receipt]) -> None:
        serializer.save(uploaded_by=self.request.user)
