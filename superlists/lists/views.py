from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from lists.forms import ExistingListItemForm, ItemForm
from lists.models import List


def home_page(request):
    return render(request, "home.html", {"form": ItemForm()})


@require_POST
def new_list(request):
    form = ItemForm(data=request.POST)
    if form.is_valid():
        new = List.objects.create()
        form.save(for_list=new)
        return redirect(new)
    return render(request, "home.html", {"form": form})


def view_list(request, list_id):
    current = get_object_or_404(List, id=list_id)
    data = request.POST if request.method == "POST" else None
    form = ExistingListItemForm(for_list=current, data=data)
    if form.is_valid():
        form.save()
        return redirect(current)
    return render(request, "list.html", {"list": current, "form": form})
