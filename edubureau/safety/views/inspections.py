from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse


@login_required
def placeholder(request: HttpRequest) -> HttpResponse:
    return HttpResponse("安全检查")
