"""Planning pages of a case: records rights research, questions for the second opinion, insurance check."""

from dataclasses import dataclass
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Max
from django.http import HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from secondop.cases import checklist
from secondop.cases.access import get_case_for
from secondop.cases.models import Case, InsuranceCheck, Membership, Question
from secondop.cases.planning_forms import AnswerForm, InsuranceForm, QuestionForm, RightsForm
from secondop.law import rules
from secondop.pwa.offline import keep_offline
from secondop.requests import AuthenticatedRequest

require_get_or_post = require_http_methods(["GET", "HEAD", "POST"])


def _saved(request: AuthenticatedRequest, case: Case, text: str) -> None:
    """Ticks the checklist items whose work is now done, and tells the person `text` and what got ticked."""
    for item in checklist.sync(case, request.user):
        text += " " + _("“{title}” is ticked off your checklist.").format(title=item.shown_title)
    messages.success(request, text)


def _lock_question_order(case: Case) -> None:
    """Inside a transaction: waits for anyone else adding or moving this case's questions, so positions
    are read and written by one request at a time (on SQLite the immediate transaction already does)."""
    list(Case.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True))


def _quoted(question: Question) -> str:
    return f"“{Truncator(question.text).chars(60)}”"


def _questions_url(case: Case, question: Question | None = None) -> str:
    url = reverse("questions", args=[case.code])
    return f"{url}#question-{question.pk}" if question is not None else url


@keep_offline
@login_required
@require_get_or_post
def records_rights(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    posted = request.method == "POST"
    case, membership = get_case_for(request, code, "write" if posted else "read")
    form = None
    if membership.can("write"):
        form = RightsForm(request.POST if posted else None, instance=case)
        if form.is_bound and form.is_valid():
            form.save(commit=False)
            case.save(update_fields=["rights_state", "rights_notes", "updated_at"])
            _saved(request, case, _("Saved what you found."))
            return redirect("records_rights", case.code)
    context = {"case": case, "membership": membership, "form": form, "law": rules.find(case.rights_state)}
    return render(request, "cases/rights.html", context)


@dataclass(frozen=True)
class QuestionRow:
    question: Question
    answer_form: AnswerForm


def _answer_form(question: Question, data: QueryDict | None = None) -> AnswerForm:
    # Each question on the page has its own note field, so each needs its own ids.
    return AnswerForm(
        data,
        initial={"answer_note": question.answer_note},
        auto_id=f"answer-{question.pk}-%s",
    )


def _questions_page(
    request: AuthenticatedRequest,
    case: Case,
    membership: Membership,
    *,
    add_form: QuestionForm | None = None,
    failed_answer: AnswerForm | None = None,
    failed_question: Question | None = None,
) -> HttpResponse:
    rows = []
    for question in case.questions.all():
        if failed_answer is not None and failed_question is not None and question.pk == failed_question.pk:
            rows.append(QuestionRow(question, failed_answer))
        else:
            rows.append(QuestionRow(question, _answer_form(question)))
    context = {
        "case": case,
        "membership": membership,
        "can_write": membership.can("write"),
        "rows": rows,
        "add_form": add_form or QuestionForm(),
        "failed_question": failed_question,
    }
    return render(request, "cases/questions.html", context)


@keep_offline
@login_required
@require_get_or_post
def questions(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    if request.method != "POST":
        case, membership = get_case_for(request, code)
        return _questions_page(request, case, membership)

    case, membership = get_case_for(request, code, "write")
    form = QuestionForm(request.POST)
    if not form.is_valid():
        return _questions_page(request, case, membership, add_form=form)
    question = form.save(commit=False)
    question.case = case
    with transaction.atomic():
        _lock_question_order(case)
        last = case.questions.aggregate(last=Max("position"))["last"]
        question.position = 0 if last is None else last + 1
        question.save()
    _saved(request, case, _("Added your question."))
    return redirect(_questions_url(case, question))


@keep_offline
@login_required
@require_get_or_post
def question_edit(request: AuthenticatedRequest, code: UUID, question_id: int) -> HttpResponse:
    case, membership = get_case_for(request, code, "write")
    question = get_object_or_404(case.questions, pk=question_id)
    form = QuestionForm(request.POST if request.method == "POST" else None, instance=question)
    if form.is_bound and form.is_valid():
        form.save(commit=False)
        question.save(update_fields=["text"])
        _saved(request, case, _("Saved your question."))
        return redirect(_questions_url(case, question))
    return render(
        request,
        "cases/question_edit.html",
        {"case": case, "membership": membership, "question": question, "form": form},
    )


@login_required
@require_POST
def question_move(request: AuthenticatedRequest, code: UUID, question_id: int) -> HttpResponse:
    case, _membership = get_case_for(request, code, "write")
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return HttpResponseBadRequest("A question can move up or down.")
    with transaction.atomic():
        _lock_question_order(case)
        question = get_object_or_404(case.questions, pk=question_id)
        ordered = list(case.questions.all())
        index = [each.pk for each in ordered].index(question.pk)
        neighbour = index - 1 if direction == "up" else index + 1
        moved = 0 <= neighbour < len(ordered)
        if moved:
            ordered[index], ordered[neighbour] = ordered[neighbour], ordered[index]
            # Renumbering the whole list (not only the pair) also mends ties and gaps left by deletes.
            changed = []
            for position, each in enumerate(ordered):
                if each.position != position:
                    each.position = position
                    changed.append(each)
            Question.objects.bulk_update(changed, ["position"])
    quoted = _quoted(question)
    if moved:
        text = _("Moved {question} up.") if direction == "up" else _("Moved {question} down.")
        messages.success(request, text.format(question=quoted))
    else:
        text = _("{question} is already first.") if direction == "up" else _("{question} is already last.")
        messages.info(request, text.format(question=quoted))
    return redirect(_questions_url(case, question))


@login_required
@require_POST
def question_answer(request: AuthenticatedRequest, code: UUID, question_id: int) -> HttpResponse:
    case, membership = get_case_for(request, code, "write")
    question = get_object_or_404(case.questions, pk=question_id)
    answered = request.POST.get("answered", "1")
    if answered not in ("0", "1"):
        return HttpResponseBadRequest("A question is answered (1) or not (0).")
    if answered == "0":
        # The note stays: nothing the person wrote is lost if they mark it answered again.
        question.answered_at = None
        question.save(update_fields=["answered_at"])
        _saved(request, case, _("Marked as not answered yet."))
        return redirect(_questions_url(case, question))

    form = _answer_form(question, request.POST)
    if not form.is_valid():
        return _questions_page(request, case, membership, failed_answer=form, failed_question=question)
    question.answer_note = form.cleaned_data["answer_note"]
    if question.answered_at is None:
        question.answered_at = timezone.now()
    question.save(update_fields=["answered_at", "answer_note"])
    _saved(request, case, _("Marked as answered."))
    return redirect(_questions_url(case, question))


@login_required
@require_POST
def question_delete(request: AuthenticatedRequest, code: UUID, question_id: int) -> HttpResponse:
    case, _membership = get_case_for(request, code, "write")
    question = get_object_or_404(case.questions, pk=question_id)
    question.delete()
    # The whole text, so a mistaken delete can be typed back in.
    _saved(request, case, _("Deleted the question “{question}”.").format(question=question.text))
    return redirect(_questions_url(case))


@keep_offline
@login_required
@require_get_or_post
def insurance(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    posted = request.method == "POST"
    case, membership = get_case_for(request, code, "write" if posted else "read")
    check = InsuranceCheck.objects.filter(case=case).first()
    saved_before = check is not None
    settled = check is not None and check.is_settled
    if check is None:
        check = InsuranceCheck(case=case, referral_required=case.referral_needed)
    form = None
    if membership.can("write"):
        form = InsuranceForm(request.POST if posted else None, instance=check)
        if form.is_bound and form.is_valid():
            # update_or_create, not form.save(): two first saves at once must not both insert a row.
            InsuranceCheck.objects.update_or_create(case=case, defaults=dict(form.cleaned_data))
            _saved(request, case, _("Saved what your insurance told you."))
            return redirect("insurance", case.code)
    context = {
        "case": case,
        "membership": membership,
        "form": form,
        "check": check,
        "saved_before": saved_before,
        "settled": settled,
    }
    return render(request, "cases/insurance.html", context)
